#include "policy/sts_verdict.hpp"

namespace policy {

namespace {

void coverage_findings(const sts_policy& p, const sts_coverage& c, std::vector<finding>& out) {
    if (!c.mx_answered()) {
        out.push_back({"mx-lookup-failed", severity::unknown,
                       "the MX lookup of " + c.mx_name + " failed (" +
                           std::string(resolver::to_string(c.mx_status)) +
                           (c.mx_detail.empty() ? "" : ": " + c.mx_detail) +
                           "): MX coverage not checked"});
        return;
    }
    if (c.null_mx) {
        out.push_back({"sts-null-mx", severity::warning,
                       c.mx_name + " publishes a null MX (it accepts no mail) and an MTA-STS "
                                   "policy"});
        return;
    }
    if (c.hosts.empty()) {
        out.push_back({"no-mx-hosts", severity::warning,
                       c.mx_name + " has no MX host (" +
                           std::string(resolver::to_string(c.mx_status)) +
                           "): nothing the policy could cover"});
        return;
    }
    if (!p.mode || *p.mode == sts_mode::none || c.uncovered == 0) {
        return;
    }
    const bool enforce = *p.mode == sts_mode::enforce;
    const bool none_covered = c.uncovered == c.hosts.size();
    for (const auto& h : c.hosts) {
        if (h.pattern) {
            continue;
        }
        std::string message = "MX " + h.host + " matches no mx pattern of the policy: ";
        if (enforce) {
            message += none_covered ? "senders that enforce MTA-STS cannot deliver to the "
                                      "domain at all"
                                    : "senders that enforce MTA-STS will not deliver to it";
        } else {
            message += "senders in testing mode deliver but report validation-failure "
                       "(mx-not-in-policy)";
        }
        out.push_back({"mx-not-in-policy", enforce ? severity::critical : severity::warning,
                       std::move(message)});
    }
}

} // namespace

sts_verdict judge_sts(const sts_outcome& o, const sts_coverage& c) {
    sts_verdict v;
    auto& out = v.findings;
    const bool txt_answered = o.txt_status == resolver::dns_status::noerror ||
                              o.txt_status == resolver::dns_status::nodata ||
                              o.txt_status == resolver::dns_status::nxdomain;
    if (!txt_answered) {
        out.push_back({"sts-txt-lookup-failed", severity::unknown, o.error});
    } else if (o.txt.status == sts_txt_status::several || o.txt.status == sts_txt_status::invalid) {
        out.push_back({"sts-txt-invalid", severity::warning,
                       o.error + " (no usable record: senders apply no policy)"});
    } else if (o.result_type) {
        out.push_back({*o.result_type, severity::critical, o.error});
    }
    if (o.has_policy()) {
        for (const auto& note : o.policy->notes) {
            out.push_back({"sts-policy-note", severity::warning, note});
        }
        coverage_findings(*o.policy, c, out);
    }
    v.overall = worst(out);
    return v;
}

} // namespace policy
