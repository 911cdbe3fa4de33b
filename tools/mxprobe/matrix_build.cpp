#include "tools/mxprobe/matrix_build.hpp"

#include "policy/time_text.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace mxprobe {

namespace {

std::vector<expiry_entry> expiry_of(const policy::domain_facts_summary& d,
                                    std::chrono::system_clock::time_point now) {
    std::vector<expiry_entry> out;
    std::set<std::string> seen; // one entry per MX host, not per address
    for (const auto& m : d.mx) {
        if (m.cert_not_after && seen.insert(m.host).second) {
            out.push_back({"mx certificate", m.host, *m.cert_not_after,
                           policy::days_until(*m.cert_not_after, now)});
        }
    }
    if (d.sts_cert_not_after) {
        out.push_back({"mta-sts certificate", "mta-sts." + d.domain, *d.sts_cert_not_after,
                       policy::days_until(*d.sts_cert_not_after, now)});
    }
    if (d.sts_max_age) {
        // A policy cached now stays in force this long: the horizon of any policy change.
        const std::int64_t now_s =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        const std::int64_t until = now_s + static_cast<std::int64_t>(*d.sts_max_age);
        out.push_back({"mta-sts policy max_age", "mta-sts." + d.domain, until,
                       policy::days_until(until, now)});
    }
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!s.empty() && s.back() == '.') {
        s.pop_back();
    }
    return s;
}

// Report policy domains that belong to none of our own domains: reported, but not ours to
// explain (a domain missing from targets.yaml, or someone else's).
std::map<std::string, std::uint64_t>
unmatched_domains(const std::vector<policy::tlsrpt_report>& reports,
                  const std::vector<policy::domain_facts_summary>& own) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& r : reports) {
        for (const auto& p : r.policies) {
            const bool ours = std::any_of(own.begin(), own.end(), [&](const auto& d) {
                return policy::report_policy_concerns(p, d);
            });
            if (!ours) {
                out[lower(p.policy_domain.empty() ? "(not reported)" : p.policy_domain)] +=
                    p.total_successful_session_count + p.total_failure_session_count;
            }
        }
    }
    return out;
}

} // namespace

matrix build_matrix(std::vector<policy::domain_facts_summary> domains,
                    const policy::outbound_requirements& requirements,
                    const std::optional<policy::outbound_requirements>& what_if,
                    const std::vector<policy::tlsrpt_report>& reports, report_inputs inputs,
                    std::chrono::system_clock::time_point now) {
    matrix m;
    m.generated = policy::iso8601_utc(
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    m.requirements = requirements;
    std::vector<policy::domain_facts_summary> own;
    std::vector<policy::inbound_summary> inbound;
    for (auto& d : domains) {
        matrix_row row;
        row.outbound = policy::check_outbound(d, requirements, now);
        row.encryption = policy::classify_encryption(d);
        row.expiry = expiry_of(d, now);
        if (d.role == "own") {
            row.inbound = policy::summarise_inbound(d, reports);
            inbound.push_back(*row.inbound);
            own.push_back(d);
        }
        row.facts = std::move(d);
        m.rows.push_back(std::move(row));
    }
    std::vector<policy::domain_facts_summary> all;
    all.reserve(m.rows.size());
    for (const auto& r : m.rows) {
        all.push_back(r.facts);
    }
    m.coverage = policy::compute_coverage(all, inbound);
    if (what_if) {
        m.what_if = policy::evaluate_what_if(all, requirements, *what_if, reports, now);
    }
    inputs.other_domains = unmatched_domains(reports, own);
    m.reports = std::move(inputs);
    return m;
}

} // namespace mxprobe
