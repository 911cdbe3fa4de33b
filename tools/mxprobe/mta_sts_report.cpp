#include "tools/mxprobe/mta_sts_report.hpp"

#include "policy/text_join.hpp"
#include "tools/mxprobe/host_report.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <sstream>

namespace mxprobe {

namespace {

using policy::join;

using nlohmann::json;

// "1 day", "7 days", "36 hours", "300 s": max_age as a person reads it.
std::string duration_text(std::uint32_t seconds) {
    if (seconds >= 86400 && seconds % 86400 == 0) {
        const auto days = seconds / 86400;
        return std::to_string(days) + (days == 1 ? " day" : " days");
    }
    if (seconds >= 3600 && seconds % 3600 == 0) {
        const auto hours = seconds / 3600;
        return std::to_string(hours) + (hours == 1 ? " hour" : " hours");
    }
    return std::to_string(seconds) + " s";
}

// The policy host's leaf certificate, which the fetch verdict alone does not name: with a
// wrong-name or expired certificate, this is what the publisher needs to see.
json leaf_json(const probe::https_response& f) {
    if (!f.tls || f.tls->chain.empty()) {
        return nullptr;
    }
    const auto& leaf = f.tls->chain.front();
    return json{{"subject", leaf.subject},
                {"issuer", leaf.issuer},
                {"san_dns", leaf.san_dns},
                {"not_before", iso8601(leaf.not_before)},
                {"not_after", iso8601(leaf.not_after)}};
}

void text_txt(std::ostringstream& out, const policy::sts_outcome& o) {
    const auto secure = o.txt_secure ? "secure" : "not secure";
    out << "  TXT       ";
    if (o.txt_status != resolver::dns_status::noerror &&
        o.txt_status != resolver::dns_status::nodata &&
        o.txt_status != resolver::dns_status::nxdomain) {
        out << "lookup failed (" << resolver::to_string(o.txt_status) << ")\n";
        return;
    }
    switch (o.txt.status) {
    case policy::sts_txt_status::no_record:
        if (o.txt.discarded > 0) {
            out << "no v=STSv1 record (" << o.txt.discarded << " other TXT record(s))";
        } else {
            out << "none (" << resolver::to_string(o.txt_status) << ")";
        }
        out << ": no MTA-STS policy\n";
        return;
    case policy::sts_txt_status::several:
        out << o.txt.candidates.size() << " STSv1 records (" << secure << ")\n";
        for (const auto& c : o.txt.candidates) {
            out << "            " << c << "\n";
        }
        return;
    case policy::sts_txt_status::valid:
    case policy::sts_txt_status::invalid:
        out << o.txt.raw << "  (" << secure << ")\n";
        return;
    }
}

void text_fetch(std::ostringstream& out, const mta_sts_report& r) {
    const auto& o = r.outcome;
    if (!o.fetch) {
        return;
    }
    const auto& f = *o.fetch;
    out << "  fetch     " << policy_url(r);
    if (!f.ip.empty()) {
        out << " [" << f.ip << "]";
    }
    if (f.failure == probe::fetch_failure::none) {
        out << "  HTTP " << f.status << ", " << f.body.size() << " bytes, " << f.elapsed.count()
            << " ms\n";
    } else {
        out << "\n            FAILED (" << probe::to_string(f.failure) << "): " << f.error << "\n";
    }
    if (f.failure == probe::fetch_failure::certificate && f.tls && !f.tls->chain.empty()) {
        const auto& leaf = f.tls->chain.front();
        out << "            certificate " << leaf.subject << ", names "
            << (leaf.san_dns.empty() ? "(none)" : join(leaf.san_dns, ", ")) << ", valid until "
            << iso8601(leaf.not_after) << "\n";
    }
}

void text_policy(std::ostringstream& out, const policy::sts_policy& p) {
    out << "  policy    ";
    if (p.mode) {
        out << to_string(*p.mode);
    } else {
        out << "(no mode)";
    }
    if (p.max_age) {
        out << ", max_age " << *p.max_age << " (" << duration_text(*p.max_age) << ")";
    }
    out << ", mx " << (p.mx.empty() ? "(none)" : join(p.mx, ", ")) << "\n";
    if (!p.valid()) {
        out << "            INVALID: " << p.error << "\n";
    }
}

void text_coverage(std::ostringstream& out, const policy::sts_coverage& c) {
    out << "  MX        ";
    if (!c.mx_answered()) {
        out << "lookup failed (" << resolver::to_string(c.mx_status) << ")\n";
        return;
    }
    if (c.null_mx) {
        out << "null MX: the domain accepts no mail\n";
        return;
    }
    if (c.hosts.empty()) {
        out << "none (" << resolver::to_string(c.mx_status) << ")\n";
        return;
    }
    bool first = true;
    for (const auto& h : c.hosts) {
        out << (first ? "" : "            ");
        first = false;
        if (c.implicit_mx) {
            out << "(implicit) ";
        } else {
            out << h.preference << " ";
        }
        out << h.host;
        if (c.checked) {
            out << (h.pattern ? "  covered by " + *h.pattern : "  NOT covered by any mx pattern");
        }
        out << "\n";
    }
    if (!c.unused_patterns.empty()) {
        out << "            patterns matching no MX: " << join(c.unused_patterns, ", ") << "\n";
    }
}

// The result type of discovery, else what senders report for MX hosts outside the policy.
std::string rfc8460_text(const mta_sts_report& r) {
    const auto& o = r.outcome;
    if (o.result_type) {
        return *o.result_type;
    }
    if (!o.has_policy()) {
        return "none";
    }
    if (o.policy->mode == policy::sts_mode::none) {
        return "none (mode none: senders apply and report nothing)";
    }
    std::vector<std::string> uncovered;
    for (const auto& h : r.coverage.hosts) {
        if (!h.result_type.empty()) {
            uncovered.push_back(h.host);
        }
    }
    if (uncovered.empty()) {
        return "none (senders apply the policy)";
    }
    return "validation-failure (mx-not-in-policy) for " + join(uncovered, ", ");
}

} // namespace

std::string policy_url(const mta_sts_report& r) {
    return "https://" + r.outcome.policy_host +
           (r.policy_port == 443 ? "" : ":" + std::to_string(r.policy_port)) +
           "/.well-known/mta-sts.txt";
}

nlohmann::json mta_sts_to_json(const mta_sts_report& r) {
    json out{{"schema", mta_sts_schema_id}};
    out.update(json(r.outcome));
    if (r.outcome.fetch) {
        out["fetch"]["url"] = policy_url(r);
        out["fetch"]["leaf"] = leaf_json(*r.outcome.fetch);
    }
    out["policy_applies"] = r.outcome.has_policy();
    out["mx"] = r.coverage;
    out["findings"] = r.verdict.findings;
    out["verdict"] = to_string(r.verdict.overall);
    return out;
}

std::string mta_sts_to_text(const mta_sts_report& r, bool colour) {
    const auto& o = r.outcome;
    const text_style style(colour);
    std::ostringstream out;
    out << o.domain << "  MTA-STS  " << style.verdict(r.verdict.overall) << "\n";
    text_txt(out, o);
    text_fetch(out, r);
    if (o.policy) {
        text_policy(out, *o.policy);
        text_coverage(out, r.coverage);
    }
    if (o.txt.status != policy::sts_txt_status::no_record) {
        out << "  RFC 8460  " << rfc8460_text(r) << "\n";
    }
    for (const auto& f : r.verdict.findings) {
        out << "  " << style.severity_word(f.level) << "  " << f.code << ": " << f.message << "\n";
    }
    return out.str();
}

exit_status mta_sts_exit_status(const mta_sts_report& r) {
    switch (r.verdict.overall) {
    case policy::severity::ok:
        return exit_status::ok;
    case policy::severity::warning:
        return exit_status::warning;
    case policy::severity::critical:
        return exit_status::critical;
    case policy::severity::unknown:
        return exit_status::unknown;
    }
    return exit_status::unknown;
}

} // namespace mxprobe
