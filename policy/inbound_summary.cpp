#include "policy/inbound_summary.hpp"

#include "policy/time_text.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

std::string normal(std::string_view name) {
    std::string out(name);
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

struct group {
    std::uint64_t sessions = 0;
    std::set<std::string> ips;
    std::set<std::string> organizations;
    std::set<std::string> reason_codes;
};

const mx_facts* probe_of(const domain_facts_summary& d, const std::string& host,
                         const std::set<std::string>& ips) {
    for (const auto& m : d.mx) {
        if (normal(m.host) == host) {
            return &m;
        }
    }
    for (const auto& m : d.mx) {
        if (ips.count(m.ip) != 0) {
            return &m;
        }
    }
    return nullptr;
}

bool probe_shows(const domain_facts_summary& d, const mx_facts& m, const std::string& type) {
    if (contains(m.result_types, type) || contains(m.reportable_result_types, type) ||
        contains(m.dane_result_types, type) || m.sts_result_type == type) {
        return true;
    }
    // Some reporters file "MX not in the MTA-STS policy" as a host mismatch (STANDARDS §7
    // row 19): the probe shows it as a failed policy match on a certificate that is fine.
    return type == "certificate-host-mismatch" && m.sts_compliant == false &&
           m.sts_result_type == "validation-failure" && d.sts_mode.has_value();
}

std::string finding_message(const mx_facts& m, const std::string& code) {
    for (const auto& [c, message] : m.findings) {
        if (c == code) {
            return message;
        }
    }
    return {};
}

std::string describe_probe(const mx_facts& m) {
    if (!m.checked) {
        return m.host + " [" + m.ip + "] could not be checked (" +
               (m.rate_limited ? "rate-limited" : m.status) + ")";
    }
    if (!m.tls) {
        return m.host + " [" + m.ip + "] " +
               (m.starttls_offered ? "fails TLS" : "offers no STARTTLS");
    }
    std::string certificate =
        m.cert_trusted && m.hostname_match ? "a valid certificate" : "its certificate";
    return m.host + " [" + m.ip + "] negotiates " + m.version + " " + m.cipher + " with " +
           certificate;
}

// What the probe says about `type` at `m` (reproduced or not).
std::string evidence_for(const domain_facts_summary& d, const mx_facts* m, const std::string& type,
                         bool reproduced) {
    if (type.rfind("sts-", 0) == 0) {
        return reproduced ? "the policy fetch fails now: " + d.sts_error
                          : "the MTA-STS policy of " + d.domain + " is fetched and valid now";
    }
    if (m == nullptr) {
        return {};
    }
    if (!reproduced) {
        return describe_probe(*m);
    }
    if (type == "certificate-expired" && m->cert_not_after) {
        return m->host + "'s certificate expired on " +
               iso8601_utc(*m->cert_not_after).substr(0, 10);
    }
    const std::string code = type == "validation-failure" ? "handshake-failed" : type;
    std::string message = finding_message(*m, code);
    if (message.empty() && type == "validation-failure" && !m->sts_result_type.empty()) {
        message = "fails the MTA-STS policy";
    }
    return m->host + " [" + m->ip + "]: " + (message.empty() ? "shows " + type : message);
}

} // namespace

std::string_view to_string(evidence_status s) {
    switch (s) {
    case evidence_status::reproduced:
        return "reproduced";
    case evidence_status::not_reproduced:
        return "not-reproduced";
    case evidence_status::no_probe_data:
        return "no-probe-data";
    }
    return "no-probe-data";
}

double inbound_summary::failure_rate() const {
    const auto n = sessions();
    return n == 0 ? 0.0 : static_cast<double>(failures) / static_cast<double>(n);
}

std::string with_separators(std::uint64_t n) {
    std::string digits = std::to_string(n);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
        digits.insert(static_cast<std::size_t>(i), ",");
    }
    return digits;
}

bool report_policy_concerns(const tlsrpt_policy& p, const domain_facts_summary& d) {
    const std::string pd = normal(p.policy_domain);
    if (pd == normal(d.domain)) {
        return true;
    }
    if (p.policy_type != "tlsa") {
        return false;
    }
    return std::any_of(d.mx.begin(), d.mx.end(),
                       [&](const mx_facts& m) { return normal(m.host) == pd; });
}

inbound_summary summarise_inbound(const domain_facts_summary& d,
                                  const std::vector<tlsrpt_report>& reports) {
    inbound_summary s;
    s.domain = d.domain;
    std::map<std::pair<std::string, std::string>, group> groups; // (type, mx host)
    for (const auto& r : reports) {
        bool counted = false;
        for (const auto& p : r.policies) {
            if (!report_policy_concerns(p, d)) {
                continue;
            }
            counted = true;
            s.successes += p.total_successful_session_count;
            s.failures += p.total_failure_session_count;
            auto& org = s.organizations[r.organization_name];
            org.success += p.total_successful_session_count;
            org.failure += p.total_failure_session_count;
            auto& type = s.policy_types[p.policy_type];
            type.success += p.total_successful_session_count;
            type.failure += p.total_failure_session_count;
            for (const auto& f : p.failure_details) {
                s.failure_types[f.result_type] += f.failed_session_count;
                const std::string mx = f.receiving_mx_hostname ? normal(*f.receiving_mx_hostname)
                                                               : tlsrpt_not_reported;
                auto& m = s.receiving_mx[mx];
                m.failures += f.failed_session_count;
                m.failure_types[f.result_type] += f.failed_session_count;
                m.organizations.insert(r.organization_name);
                if (f.failure_reason_code) {
                    s.reason_codes[*f.failure_reason_code] += f.failed_session_count;
                }
                auto& g = groups[{f.result_type, mx}];
                g.sessions += f.failed_session_count;
                g.organizations.insert(r.organization_name);
                if (f.receiving_ip) {
                    g.ips.insert(*f.receiving_ip);
                }
                if (f.failure_reason_code) {
                    g.reason_codes.insert(*f.failure_reason_code);
                }
            }
        }
        s.reports += counted ? 1 : 0;
    }
    for (const auto& [key, g] : groups) {
        const auto& [type, mx] = key;
        inbound_explanation e;
        e.result_type = type;
        e.mx_host = mx;
        e.receiving_ips.assign(g.ips.begin(), g.ips.end());
        e.sessions = g.sessions;
        e.organizations.assign(g.organizations.begin(), g.organizations.end());
        e.reason_codes.assign(g.reason_codes.begin(), g.reason_codes.end());
        const mx_facts* m = probe_of(d, mx, g.ips);
        const bool domain_level = type.rfind("sts-", 0) == 0;
        // A domain-level (sts-*) type needs the domain's route or its MX; a host-level type
        // needs a finished probe of that MX.
        const bool nothing_to_compare = domain_level ? d.mx.empty() && d.route.empty()
                                                     : d.mx.empty() || m == nullptr || !m->checked;
        if (nothing_to_compare) {
            e.status = evidence_status::no_probe_data;
        } else if (domain_level) {
            e.status = d.sts_result_type == type ? evidence_status::reproduced
                                                 : evidence_status::not_reproduced;
        } else {
            e.status = probe_shows(d, *m, type) ? evidence_status::reproduced
                                                : evidence_status::not_reproduced;
        }
        if (e.status != evidence_status::no_probe_data) {
            e.evidence = evidence_for(d, m, type, e.status == evidence_status::reproduced);
        } else if (m != nullptr) {
            e.evidence = describe_probe(*m);
        }
        const std::size_t orgs = e.organizations.size();
        e.text = type + " reported by " + std::to_string(orgs) +
                 (orgs == 1 ? " organization" : " organizations") + " for " +
                 with_separators(e.sessions) + (e.sessions == 1 ? " session" : " sessions") +
                 (mx == tlsrpt_not_reported ? "" : " at " + mx) + "; " +
                 (e.evidence.empty() ? "no probe data" : "probe: " + e.evidence);
        switch (e.status) {
        case evidence_status::reproduced:
            e.text += " — reproduced";
            break;
        case evidence_status::not_reproduced:
            e.text += " — not reproduced (fixed since, or intermittent)";
            break;
        case evidence_status::no_probe_data:
            break;
        }
        s.explanations.push_back(std::move(e));
    }
    std::stable_sort(s.explanations.begin(), s.explanations.end(),
                     [](const auto& a, const auto& b) { return a.sessions > b.sessions; });
    return s;
}

void to_json(nlohmann::json& j, const inbound_explanation& e) {
    j = nlohmann::json{{"result_type", e.result_type},
                       {"mx_host", e.mx_host},
                       {"receiving_ips", e.receiving_ips},
                       {"sessions", e.sessions},
                       {"organizations", e.organizations},
                       {"reason_codes", e.reason_codes},
                       {"status", to_string(e.status)},
                       {"evidence", e.evidence},
                       {"text", e.text}};
}

void to_json(nlohmann::json& j, const inbound_summary& s) {
    nlohmann::json mx = nlohmann::json::object();
    for (const auto& [host, m] : s.receiving_mx) {
        mx[host] = {{"failures", m.failures},
                    {"failure_types", m.failure_types},
                    {"organizations", m.organizations}};
    }
    nlohmann::json orgs = nlohmann::json::object();
    for (const auto& [name, c] : s.organizations) {
        orgs[name] = c;
    }
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [name, c] : s.policy_types) {
        types[name] = c;
    }
    j = nlohmann::json{{"reports", s.reports},
                       {"sessions", s.sessions()},
                       {"successes", s.successes},
                       {"failures", s.failures},
                       {"failure_rate", s.failure_rate()},
                       {"failure_types", s.failure_types},
                       {"organizations", std::move(orgs)},
                       {"policy_types", std::move(types)},
                       {"receiving_mx", std::move(mx)},
                       {"reason_codes", s.reason_codes},
                       {"explanations", s.explanations}};
}

} // namespace policy
