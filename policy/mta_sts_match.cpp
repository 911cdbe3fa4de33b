#include "policy/mta_sts_match.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

std::string_view without_trailing_dot(std::string_view name) {
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    return name;
}

bool has_empty_label(std::string_view name) {
    return name.empty() || name.front() == '.' || name.back() == '.' ||
           name.find("..") != std::string_view::npos;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

struct failure {
    const char* type;
    std::string reason;
};

// The checks of RFC 8461 §4 in the order a sender meets them: it picks MX hosts by pattern
// before connecting, needs STARTTLS before a handshake, and a handshake before a certificate.
// Among certificate faults (impl): expired first (the most specific and the usual outage),
// then an untrusted chain, then the name.
std::vector<failure> failures_of(const sts_mx_observation& o, bool in_policy) {
    std::vector<failure> out;
    if (!in_policy) {
        out.push_back({"validation-failure", "mx-not-in-policy"});
    }
    const auto with_detail = [&](const std::string& code) {
        return o.detail.empty() ? code : code + ": " + o.detail;
    };
    if (!o.starttls_offered) {
        out.push_back({"starttls-not-supported", with_detail("starttls-not-offered")});
        return out;
    }
    if (!o.starttls_ok) {
        out.push_back({"starttls-not-supported", with_detail("starttls-rejected")});
        return out;
    }
    if (!o.handshake_ok) {
        out.push_back({"validation-failure", with_detail("handshake-failed")});
        return out;
    }
    if (o.certificate_expired) {
        out.push_back({"certificate-expired", "certificate-expired"});
    }
    if (!o.certificate_trusted) {
        out.push_back({"certificate-not-trusted", with_detail("certificate-not-trusted")});
    }
    if (!o.hostname_match) {
        out.push_back({"certificate-host-mismatch", "certificate-host-mismatch: " + o.host});
    }
    return out;
}

sts_mx_result judge(const sts_policy& policy, bool applied, const sts_mx_observation& o) {
    sts_mx_result r;
    r.host = o.host;
    r.ip = o.ip;
    r.matched_pattern = matching_mx_pattern(policy.mx, o.host).value_or("");
    r.checked = o.reached;
    if (!o.reached) {
        r.reason = o.detail; // not a TLS result: the sender would simply try again later
        return r;
    }
    if (!applied) {
        r.compliant = r.delivers = true; // nothing to comply with (STS-37)
        return r;
    }
    const auto failures = failures_of(o, !r.matched_pattern.empty());
    r.compliant = failures.empty();
    if (!failures.empty()) {
        r.result_type = failures.front().type;
        r.reason = failures.front().reason;
        for (auto it = failures.begin() + 1; it != failures.end(); ++it) {
            r.other_result_types.emplace_back(it->type);
        }
    }
    // testing: deliver as if validation passed, and report (STS-36).
    r.delivers = r.compliant || policy.mode == sts_mode::testing;
    return r;
}

std::string count_of(std::size_t n, std::size_t total) {
    return std::to_string(n) + " of " + std::to_string(total) + " MX";
}

std::string summarize(const sts_policy& policy, const sts_evaluation& e) {
    if (!policy.valid()) {
        return "policy invalid (" + policy.error +
               "): not applied, senders treat the domain as having no MTA-STS";
    }
    const std::string mode(to_string(*policy.mode));
    if (!e.applied) {
        return "mode none: the policy enforces nothing";
    }
    const std::size_t total = e.mx.size();
    if (total == 0) {
        return mode + ": no MX observed";
    }
    std::string s = mode + ": ";
    if (e.failing == 0) {
        s += total == e.compliant ? "all " + std::to_string(total) + " MX validate"
                                  : count_of(e.compliant, total) + " validate";
    } else if (policy.mode == sts_mode::testing) {
        s += count_of(e.failing, total) +
             " would fail under enforce; senders deliver anyway and report them";
    } else {
        s += count_of(e.failing, total) + " fail validation; " +
             (e.deliverable ? "mail still flows through the others"
                            : "MTA-STS senders cannot deliver");
    }
    if (e.not_checked != 0) {
        s += " (" + std::to_string(e.not_checked) + " not reached)";
    }
    return s;
}

} // namespace

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
    pattern = without_trailing_dot(pattern);
    host = without_trailing_dot(host);
    if (has_empty_label(pattern) || has_empty_label(host) ||
        host.find('*') != std::string_view::npos) {
        return false;
    }
    if (pattern.substr(0, 2) == "*.") {
        const std::string_view parent = pattern.substr(2);
        const auto dot = host.find('.');
        // `*` is one whole label: the host's first label goes, the rest must equal parent.
        return dot != std::string_view::npos && iequal(host.substr(dot + 1), parent);
    }
    return iequal(pattern, host);
}

std::optional<std::string> matching_mx_pattern(const std::vector<std::string>& patterns,
                                               std::string_view host) {
    for (const auto& p : patterns) {
        if (mx_pattern_matches(p, host)) {
            return p;
        }
    }
    return std::nullopt;
}

sts_mx_observation observe_for_sts(const probe::session_result& s) {
    using probe::status;
    sts_mx_observation o;
    o.host = s.host;
    o.ip = s.ip;
    o.reached = s.tls.has_value() || s.plaintext_after_starttls ||
                s.outcome == status::starttls_not_offered ||
                s.outcome == status::starttls_rejected || s.failed_phase == probe::phase::handshake;
    o.starttls_offered = s.starttls_offered && !s.helo_fallback;
    o.starttls_ok = s.starttls_accepted;
    // Plaintext between "220 Ready" and the handshake is a TLS failure (TLS-4, TLS-11).
    o.handshake_ok = s.tls.has_value() && !s.plaintext_after_starttls;
    o.detail = s.plaintext_after_starttls ? "plaintext-after-starttls" : s.error;
    if (s.tls && s.certificate && !s.tls->chain.empty()) {
        const probe::chain_verdict& v = *s.certificate;
        o.certificate_expired = v.expired;
        // OpenSSL's `trusted` is false for an expired chain too; expiry has its own
        // result type, so it does not also count as an untrusted chain.
        o.certificate_trusted = v.trusted || (v.expired && !v.not_yet_valid && !v.other_errors);
        o.hostname_match = v.hostname_match;
        if (o.detail.empty() && !o.certificate_trusted) {
            o.detail = v.verify_error;
        }
    } else if (s.tls && o.detail.empty()) {
        o.detail = "no certificate presented";
    }
    return o;
}

sts_evaluation evaluate_sts(const sts_policy& policy,
                            const std::vector<sts_mx_observation>& observations) {
    sts_evaluation e;
    e.mode = policy.mode;
    e.applied = policy.valid() && policy.mode != sts_mode::none;
    std::vector<bool> used(policy.mx.size(), false);
    for (const auto& o : observations) {
        e.mx.push_back(judge(policy, e.applied, o));
        const sts_mx_result& r = e.mx.back();
        if (!r.checked) {
            ++e.not_checked;
        } else if (r.compliant) {
            ++e.compliant;
        } else {
            ++e.failing;
        }
        e.deliverable = e.deliverable || r.delivers;
        for (std::size_t i = 0; i < policy.mx.size(); ++i) {
            used[i] = used[i] || mx_pattern_matches(policy.mx[i], o.host);
        }
    }
    if (policy.valid()) {
        for (std::size_t i = 0; i < policy.mx.size(); ++i) {
            if (!used[i]) {
                e.unused_patterns.push_back(policy.mx[i]);
            }
        }
    }
    e.summary = summarize(policy, e);
    return e;
}

void to_json(nlohmann::json& j, const sts_mx_result& r) {
    j = nlohmann::json{{"host", r.host}};
    if (!r.ip.empty()) {
        j["ip"] = r.ip;
    }
    if (!r.matched_pattern.empty()) {
        j["matched_pattern"] = r.matched_pattern;
    }
    j["checked"] = r.checked;
    j["compliant"] = r.compliant;
    j["delivers"] = r.delivers;
    if (!r.result_type.empty()) {
        j["result_type"] = r.result_type;
    }
    if (!r.other_result_types.empty()) {
        j["other_result_types"] = r.other_result_types;
    }
    if (!r.reason.empty()) {
        j["reason"] = r.reason;
    }
}

void to_json(nlohmann::json& j, const sts_evaluation& e) {
    j = nlohmann::json{{"applied", e.applied}};
    if (e.mode) {
        j["mode"] = to_string(*e.mode);
    }
    auto& mx = j["mx"] = nlohmann::json::array();
    for (const auto& r : e.mx) {
        mx.push_back(r);
    }
    j["compliant"] = e.compliant;
    j["failing"] = e.failing;
    j["not_checked"] = e.not_checked;
    j["deliverable"] = e.deliverable;
    if (!e.unused_patterns.empty()) {
        j["unused_patterns"] = e.unused_patterns;
    }
    j["summary"] = e.summary;
}

} // namespace policy
