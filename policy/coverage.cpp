#include "policy/coverage.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

bool has(const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

bool authenticates(const mx_facts& m) {
    if (m.policy == "dane") {
        return m.dane_authenticated;
    }
    return !has(m.result_types, "certificate-expired") &&
           !has(m.result_types, "certificate-host-mismatch") &&
           !has(m.result_types, "certificate-not-trusted") && m.cert_trusted && m.hostname_match;
}

// Successful sessions under an sts or tlsa policy were validated; others merely encrypted.
void count_sessions(session_coverage& s, const std::string& policy_type, std::uint64_t success,
                    std::uint64_t failure) {
    if (policy_type == "sts" || policy_type == "tlsa") {
        s.validated += success;
    } else {
        s.opportunistic += success;
    }
    s.failed += failure;
}

double share(std::size_t part, std::size_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

} // namespace

std::string_view to_string(encryption_class c) {
    switch (c) {
    case encryption_class::validated:
        return "validated";
    case encryption_class::opportunistic:
        return "opportunistic";
    case encryption_class::failing:
        return "failing";
    case encryption_class::unknown:
        return "unknown";
    case encryption_class::no_mail:
        return "no-mail";
    }
    return "unknown";
}

encryption_class classify_encryption(const domain_facts_summary& d) {
    if (d.route == "null-mx") {
        return encryption_class::no_mail;
    }
    if (d.route == "nxdomain" || d.route == "no-address") {
        return encryption_class::failing;
    }
    bool any_checked = false;
    bool all_tls = true;
    bool all_authenticated = true;
    for (const auto& m : d.mx) {
        if (!m.checked) {
            continue;
        }
        any_checked = true;
        all_tls = all_tls && m.tls;
        all_authenticated = all_authenticated && m.tls && authenticates(m);
    }
    if (!any_checked) {
        return encryption_class::unknown;
    }
    if (!all_tls) {
        return encryption_class::failing;
    }
    return all_authenticated ? encryption_class::validated : encryption_class::opportunistic;
}

void coverage_counts::add(encryption_class c) {
    switch (c) {
    case encryption_class::validated:
        ++validated;
        break;
    case encryption_class::opportunistic:
        ++opportunistic;
        break;
    case encryption_class::failing:
        ++failing;
        break;
    case encryption_class::unknown:
        ++unknown;
        break;
    case encryption_class::no_mail:
        break; // a domain that takes no mail has nothing to protect
    }
}

coverage_report compute_coverage(const std::vector<domain_facts_summary>& domains,
                                 const std::vector<inbound_summary>& inbound) {
    coverage_report out;
    for (const auto& d : domains) {
        const encryption_class c = classify_encryption(d);
        if (d.role == "own") {
            out.own.add(c);
            continue;
        }
        out.partners.add(c);
        for (const auto& t : d.tags) {
            out.by_tag[t].add(c);
        }
    }
    for (const auto& s : inbound) {
        for (const auto& [type, counts] : s.policy_types) {
            count_sessions(out.sessions, type, counts.success, counts.failure);
        }
    }
    return out;
}

reported_sessions sum_reported_sessions(const std::vector<tlsrpt_report>& reports) {
    reported_sessions out;
    for (const auto& r : reports) {
        for (const auto& p : r.policies) {
            count_sessions(out.sessions, p.policy_type, p.total_successful_session_count,
                           p.total_failure_session_count);
            auto& type = out.policy_types[p.policy_type];
            type.success += p.total_successful_session_count;
            type.failure += p.total_failure_session_count;
        }
    }
    return out;
}

void to_json(nlohmann::json& j, const session_coverage& s) {
    const auto n = s.total();
    const auto part = [&](std::uint64_t x) {
        return n == 0 ? 0.0 : static_cast<double>(x) / static_cast<double>(n);
    };
    j = nlohmann::json{{"total", n},
                       {"validated", s.validated},
                       {"opportunistic", s.opportunistic},
                       {"failed", s.failed},
                       {"validated_share", part(s.validated)},
                       {"opportunistic_share", part(s.opportunistic)},
                       {"failed_share", part(s.failed)}};
}

void to_json(nlohmann::json& j, const coverage_counts& c) {
    const std::size_t n = c.total();
    j = nlohmann::json{{"total", n},
                       {"validated", c.validated},
                       {"opportunistic", c.opportunistic},
                       {"failing", c.failing},
                       {"unknown", c.unknown},
                       {"validated_share", share(c.validated, n)},
                       {"opportunistic_share", share(c.opportunistic, n)},
                       {"failing_share", share(c.failing, n)}};
}

void to_json(nlohmann::json& j, const coverage_report& c) {
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [tag, counts] : c.by_tag) {
        tags[tag] = counts;
    }
    j = nlohmann::json{{"partners", c.partners},
                       {"by_tag", std::move(tags)},
                       {"own", c.own},
                       {"sessions", c.sessions}};
}

} // namespace policy
