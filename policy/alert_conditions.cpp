#include "policy/alert_conditions.hpp"

#include "policy/cipher_rank.hpp"
#include "policy/outbound_check.hpp"
#include "policy/time_text.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

struct collector {
    const domain_facts_summary& d;
    std::vector<alert_condition> out;

    void add(std::string kind, std::string severity, const std::string& subject,
             const std::string& distinct, std::string message) {
        alert_condition c;
        c.key = kind + ":" + d.domain + ":" + subject + (distinct.empty() ? "" : ":" + distinct);
        c.kind = std::move(kind);
        c.severity = std::move(severity);
        c.domain = d.domain;
        c.subject = subject;
        c.message = std::move(message);
        out.push_back(std::move(c));
    }
};

const mx_facts* same_address(const domain_facts_summary& d, const mx_facts& m) {
    for (const auto& p : d.mx) {
        if (p.host == m.host && p.ip == m.ip) {
            return &p;
        }
    }
    return nullptr;
}

bool weak_suite(const std::string& suite) {
    return cipher_rank(suite) <= 3;
}

bool weak_version(const std::string& v) {
    return version_rank(v) > 0 && version_rank(v) <= 3;
}

// Accepted versions: enumerated, or the negotiated one.
std::set<std::string> versions_of(const mx_facts& m) {
    std::set<std::string> out;
    for (const auto& [v, ok] : m.versions) {
        if (ok) {
            out.insert(v);
        }
    }
    if (out.empty() && m.tls) {
        out.insert(m.version);
    }
    return out;
}

std::set<std::string> suites_of(const mx_facts& m) {
    std::set<std::string> out;
    for (const auto& [v, list] : m.ciphers) {
        out.insert(list.begin(), list.end());
    }
    return out;
}

void expiry(collector& c, const std::string& kind, const std::string& subject,
            std::int64_t not_after, const alert_thresholds& t,
            std::chrono::system_clock::time_point now) {
    const std::int64_t left = days_until(not_after, now);
    const std::string when = iso8601_utc(not_after).substr(0, 10);
    if (left < 0) {
        c.add(kind + "-expired", "critical", subject, "",
              subject + "'s certificate expired on " + when);
    } else if (left <= t.cert_expiry_critical_days) {
        c.add(kind + "-critical", "critical", subject, "",
              subject + "'s certificate expires in " + std::to_string(left) + " day(s), on " +
                  when);
    } else if (left <= t.cert_expiry_warning_days) {
        c.add(kind + "-warning", "warning", subject, "",
              subject + "'s certificate expires in " + std::to_string(left) + " day(s), on " +
                  when);
    }
}

// States of one MX address.
void mx_states(collector& c, const mx_facts& m) {
    const std::string at = m.host + " [" + m.ip + "]";
    if (!m.checked) {
        return; // could not check: no news, good or bad
    }
    if (!m.starttls_offered) {
        c.add("starttls-missing", "critical", at, "",
              at + " offers no STARTTLS: mail to it goes in plaintext");
    } else if (!m.tls) {
        c.add("tls-failing", "critical", at, "",
              at + ": STARTTLS is offered but TLS fails: " + m.error);
    }
    if (m.tls && m.missing_intermediate) {
        c.add("chain-incomplete", "critical", at, "",
              at + " does not send the intermediate certificate its chain needs");
    }
    if (m.policy == "dane" && !m.dane_result_types.empty()) {
        std::string types;
        for (const auto& t : m.dane_result_types) {
            types += (types.empty() ? "" : ", ") + t;
        }
        c.add("dane-failing", "critical", at, "",
              at + " fails its DANE TLSA records (" + types + "): DANE senders will not deliver");
    }
}

// Changes of one MX address since the previous scan.
void mx_changes(collector& c, const mx_facts& now_mx, const mx_facts& before) {
    const std::string at = now_mx.host + " [" + now_mx.ip + "]";
    if (!now_mx.checked || !before.checked) {
        return;
    }
    if (now_mx.tls && before.tls && !now_mx.cert_sha256.empty() && !before.cert_sha256.empty() &&
        now_mx.cert_sha256 != before.cert_sha256) {
        const bool same_key = now_mx.spki_sha256 == before.spki_sha256;
        c.add(same_key ? "cert-changed" : "key-changed", "info", at,
              now_mx.cert_sha256.substr(0, 16),
              at + " presents a new certificate (" + now_mx.cert_subject + ")" +
                  (same_key ? " with the same key" : " and a new key: update TLSA records"));
    }
    if (before.starttls_offered && !now_mx.starttls_offered) {
        c.add("starttls-gone", "critical", at, "", at + " stopped offering STARTTLS");
    }
    if (!now_mx.tls || !before.tls) {
        return; // what TLS offers is only comparable when both scans had TLS
    }
    // ... and when both saw the same thing: two whole enumerations, or two single sessions.
    // A partial enumeration (the server got busy) or one scan without would invent changes.
    if (now_mx.enumerated != before.enumerated ||
        (now_mx.enumerated && (!now_mx.enumeration_complete || !before.enumeration_complete))) {
        return;
    }
    const auto had = versions_of(before);
    const auto has = versions_of(now_mx);
    const auto line = [&](std::string_view what, const std::string& item) {
        std::string text = at;
        text.append(what).append(item);
        return text;
    };
    for (const auto& v : had) {
        if (has.count(v) == 0 && !weak_version(v)) {
            c.add("tls-version-lost", "warning", at, v, line(" no longer accepts ", v));
        }
    }
    for (const auto& v : has) {
        if (had.count(v) == 0 && weak_version(v)) {
            c.add("weak-version-gained", "warning", at, v, line(" now accepts ", v));
        }
    }
    const auto suites_before = suites_of(before);
    const auto suites_now = suites_of(now_mx);
    for (const auto& s : suites_now) {
        if (weak_suite(s) && suites_before.count(s) == 0 && !suites_before.empty()) {
            c.add("weak-cipher-gained", "warning", at, s, line(" now accepts the weak suite ", s));
        }
    }
    for (const auto& s : suites_before) {
        if (!weak_suite(s) && !now_mx.ciphers.empty() && suites_now.count(s) == 0) {
            c.add("cipher-lost", "info", at, s, line(" no longer accepts ", s));
        }
    }
}

void sts_changes(collector& c, const domain_facts_summary& d, const domain_facts_summary& p) {
    const std::string host = "mta-sts." + d.domain;
    const bool id_changed = !d.sts_id.empty() && !p.sts_id.empty() && d.sts_id != p.sts_id;
    const bool policy_changed = !d.sts_policy_fingerprint.empty() &&
                                !p.sts_policy_fingerprint.empty() &&
                                d.sts_policy_fingerprint != p.sts_policy_fingerprint;
    if (d.sts_mode != p.sts_mode) {
        c.add("mta-sts-mode-changed", d.sts_mode == "enforce" ? "info" : "warning", host,
              d.sts_mode.value_or("none"),
              "MTA-STS mode of " + d.domain + " changed from " + p.sts_mode.value_or("none") +
                  " to " + d.sts_mode.value_or("none"));
    }
    if (id_changed && !policy_changed) {
        c.add("mta-sts-id-without-policy", "warning", host, d.sts_id,
              "the _mta-sts id of " + d.domain + " changed (" + p.sts_id + " -> " + d.sts_id +
                  ") but the policy did not: senders refetch for nothing, or the policy update "
                  "is still missing");
    } else if (policy_changed && !id_changed) {
        c.add("mta-sts-policy-without-id", "critical", host, "",
              "the MTA-STS policy of " + d.domain +
                  " changed but its _mta-sts id did not: senders keep the cached policy until "
                  "max_age runs out (RFC 8461 §3.1)");
    } else if (policy_changed && id_changed) {
        c.add("mta-sts-policy-changed", "info", host, d.sts_id,
              "the MTA-STS policy of " + d.domain + " changed, with a new id " + d.sts_id);
    }
}

} // namespace

std::vector<alert_condition> domain_conditions(const domain_facts_summary& d,
                                               const std::optional<domain_facts_summary>& previous,
                                               const alert_thresholds& t,
                                               std::chrono::system_clock::time_point now) {
    collector c{d, {}};
    std::set<std::string> hosts_seen; // certificate expiry per MX host, not per address
    for (const auto& m : d.mx) {
        mx_states(c, m);
        if (m.checked && m.tls && m.cert_not_after && hosts_seen.insert(m.host).second) {
            expiry(c, "cert-expiry", m.host, *m.cert_not_after, t, now);
        }
        if (previous) {
            if (const mx_facts* before = same_address(*previous, m)) {
                mx_changes(c, m, *before);
            }
        }
    }
    if (d.sts_cert_not_after) {
        expiry(c, "sts-cert-expiry", "mta-sts." + d.domain, *d.sts_cert_not_after, t, now);
    }
    if (d.sts_result_type) {
        c.add("mta-sts-broken", "warning", "mta-sts." + d.domain, *d.sts_result_type,
              "the MTA-STS policy of " + d.domain + " cannot be used: " + d.sts_error);
    }
    if (previous) {
        sts_changes(c, d, *previous);
        for (const auto& type : d.result_types) {
            if (std::find(previous->result_types.begin(), previous->result_types.end(), type) ==
                previous->result_types.end()) {
                c.add("new-result-type", "warning", d.domain, type,
                      "senders would now report " + type + " for " + d.domain);
            }
        }
    }
    return std::move(c.out);
}

std::vector<alert_condition> tlsrpt_conditions(const inbound_summary& s,
                                               const alert_thresholds& t) {
    std::vector<alert_condition> out;
    const std::uint64_t sessions = s.sessions();
    if (sessions < t.min_sessions || sessions == 0) {
        return out;
    }
    for (const auto& [host, mx] : s.receiving_mx) {
        const double rate = static_cast<double>(mx.failures) / static_cast<double>(sessions);
        if (rate <= t.failure_rate) {
            continue;
        }
        char share[32];
        (void)std::snprintf(share, sizeof share, "%.1f%%", 100.0 * rate);
        std::string types;
        for (const auto& [type, n] : mx.failure_types) {
            types.append(types.empty() ? "" : ", ").append(type).append(" ");
            types += with_separators(n);
        }
        alert_condition c;
        c.kind = "tlsrpt-failure-rate";
        c.key = c.kind + ":" + s.domain + ":" + host;
        c.severity = rate > 2 * t.failure_rate ? "critical" : "warning";
        c.domain = s.domain;
        c.subject = host;
        c.message = "senders report ";
        c.message.append(share).append(" of ").append(with_separators(sessions));
        c.message.append(" sessions to ").append(s.domain).append(" failing at ").append(host);
        c.message.append(" (").append(types).append(")");
        out.push_back(std::move(c));
    }
    return out;
}

void to_json(nlohmann::json& j, const alert_condition& c) {
    j = nlohmann::json{{"key", c.key},       {"kind", c.kind},       {"severity", c.severity},
                       {"domain", c.domain}, {"subject", c.subject}, {"message", c.message}};
}

} // namespace policy
