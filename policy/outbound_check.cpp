#include "policy/outbound_check.hpp"

#include "policy/cipher_rank.hpp"
#include "policy/days.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

bool has(const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

std::string forbidden_part(const std::string& cipher, const outbound_requirements& q) {
    for (const auto& f : q.forbidden_ciphers) {
        if (!f.empty() && cipher.find(f) != std::string::npos) {
            return f;
        }
    }
    return {};
}

// Every (version, suite) the MX is known to accept: the enumeration's, and always the
// negotiated one (an enumeration the server cut short may have missed it).
std::vector<std::pair<std::string, std::string>> accepted_suites(const mx_facts& m) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [version, suites] : m.ciphers) {
        const auto it = m.versions.find(version);
        if (it == m.versions.end() || it->second) {
            for (const auto& s : suites) {
                out.emplace_back(version, s);
            }
        }
    }
    if (m.tls && std::find(out.begin(), out.end(), std::pair{m.version, m.cipher}) == out.end()) {
        out.emplace_back(m.version, m.cipher);
    }
    return out;
}

// The lowest- and highest-ranked of the names added, kept in the two strings given.
class rank_span_of {
  public:
    rank_span_of(std::string& weakest, std::string& strongest)
        : weakest_(&weakest), strongest_(&strongest) {}
    void add(int rank, const std::string& name) {
        if (rank < low_) {
            low_ = rank;
            *weakest_ = name;
        }
        if (rank > high_) {
            high_ = rank;
            *strongest_ = name;
        }
    }

  private:
    std::string* weakest_;
    std::string* strongest_;
    int low_ = std::numeric_limits<int>::max();
    int high_ = std::numeric_limits<int>::min();
};

void rank_span(const mx_facts& m, mx_outbound& o) {
    rank_span_of versions(o.weakest_version, o.strongest_version);
    for (const auto& [version, ok] : m.versions) {
        if (ok) {
            versions.add(version_rank(version), version);
        }
    }
    // The negotiated version is accepted whatever the enumeration saw: a walk the server
    // cut short can leave the best version unconfirmed.
    if (m.tls) {
        versions.add(version_rank(m.version), m.version);
    }
    rank_span_of suites(o.weakest_cipher, o.strongest_cipher);
    for (const auto& [version, suite] : accepted_suites(m)) {
        suites.add(cipher_rank(suite), suite);
    }
}

void check_tls(const mx_facts& m, const outbound_requirements& q, mx_outbound& o) {
    const int min_rank = version_rank(q.min_version);
    if (version_rank(o.strongest_version) < min_rank) {
        o.blocking.push_back((m.versions.empty() ? "negotiates " : "accepts at best ") +
                             o.strongest_version + ", below the required " + q.min_version);
    }
    // The suites a sender holding to our requirements could end up with.
    std::vector<std::string> usable;
    bool forward_secret = false;
    for (const auto& [version, suite] : accepted_suites(m)) {
        if (version_rank(version) >= min_rank && forbidden_part(suite, q).empty()) {
            usable.push_back(suite);
            forward_secret = forward_secret || cipher_has_forward_secrecy(suite);
        }
    }
    if (m.versions.empty()) {
        // Only the negotiated suite is known: judge that one.
        if (const auto f = forbidden_part(m.cipher, q); !f.empty()) {
            o.blocking.push_back("negotiates " + m.cipher + ", a forbidden suite (" + f + ")");
        }
        if (q.require_forward_secrecy && !m.forward_secrecy) {
            o.blocking.push_back("negotiates " + m.cipher + " without forward secrecy");
        }
        return;
    }
    if (m.enumerated && !m.enumeration_complete) {
        o.notes.push_back("the enumeration did not finish (the server stopped answering), so a "
                          "version or suite missing from it is not known to be refused");
    }
    if (usable.empty() && version_rank(o.strongest_version) >= min_rank) {
        o.blocking.push_back("every suite it accepts at " + q.min_version +
                             " or later is forbidden");
    } else if (q.require_forward_secrecy && !forward_secret && !usable.empty()) {
        o.blocking.push_back("accepts no forward-secret suite at " + q.min_version + " or later");
    }
    for (const auto& [version, suite] : accepted_suites(m)) {
        if (const auto f = forbidden_part(suite, q); !f.empty()) {
            std::string note = "still accepts " + suite;
            note += " (" + version + ")";
            o.notes.push_back(std::move(note));
            break;
        }
    }
}

mx_outbound check_mx(const mx_facts& m, const domain_facts_summary& d,
                     const outbound_requirements& q, std::chrono::system_clock::time_point now) {
    mx_outbound o;
    o.host = m.host;
    o.ip = m.ip;
    o.checked = m.checked;
    if (m.cert_not_after) {
        o.cert_days_left = days_until(*m.cert_not_after, now);
    }
    rank_span(m, o);
    if (!m.checked) {
        o.notes.push_back("not checked: " + (m.rate_limited ? "rate-limited" : m.status) +
                          (m.error.empty() ? "" : " (" + m.error + ")"));
        return o;
    }
    if (!m.starttls_offered) {
        o.blocking.push_back("no STARTTLS: mail would go in plaintext");
    } else if (!m.tls) {
        o.blocking.push_back("STARTTLS fails: " + (m.error.empty() ? m.status : m.error));
    } else {
        check_tls(m, q, o);
    }
    if (q.require_valid_certificate && m.tls) {
        for (const char* t :
             {"certificate-expired", "certificate-host-mismatch", "certificate-not-trusted"}) {
            if (has(m.result_types, t)) {
                o.blocking.push_back(std::string("certificate not valid: ") + t);
            }
        }
    }
    if (q.honour_mta_sts && m.policy == "sts" && d.sts_mode == "enforce" && m.sts_compliant &&
        !*m.sts_compliant) {
        o.blocking.push_back("fails the partner's MTA-STS enforce policy: " + m.sts_result_type);
    }
    if (q.honour_dane && m.policy == "dane" && !m.dane_result_types.empty()) {
        std::string types;
        for (const auto& t : m.dane_result_types) {
            types += (types.empty() ? "" : ", ") + t;
        }
        o.blocking.push_back("fails the partner's DANE TLSA records: " + types);
    }
    o.compatible = o.blocking.empty();
    return o;
}

} // namespace

std::string_view to_string(compatibility c) {
    switch (c) {
    case compatibility::compatible:
        return "compatible";
    case compatibility::partial:
        return "partial";
    case compatibility::incompatible:
        return "incompatible";
    case compatibility::unknown:
        return "unknown";
    case compatibility::no_mail:
        return "no-mail";
    }
    return "unknown";
}

std::int64_t days_until(std::int64_t not_after, std::chrono::system_clock::time_point now) {
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    return floor_days(not_after - now_s);
}

outbound_verdict check_outbound(const domain_facts_summary& d, const outbound_requirements& q,
                                std::chrono::system_clock::time_point now) {
    outbound_verdict v;
    v.mta_sts_mode = d.sts_mode;
    v.dane = d.dane_status;
    if (d.route == "null-mx") {
        v.state = compatibility::no_mail;
        return v;
    }
    if (d.route == "nxdomain" || d.route == "no-address") {
        v.state = compatibility::incompatible;
        v.blocking.push_back(d.route == "nxdomain" ? "the domain does not exist"
                                                   : "no MX host has an address");
        return v;
    }
    std::size_t checked = 0;
    std::size_t passing = 0;
    int weakest = 1 << 20;
    int strongest = -1;
    for (const auto& m : d.mx) {
        mx_outbound o = check_mx(m, d, q, now);
        checked += o.checked ? 1 : 0;
        passing += o.compatible ? 1 : 0;
        for (const auto& b : o.blocking) {
            v.blocking.push_back(o.host + " [" + o.ip + "]: " + b);
        }
        for (const auto& [version, ok] : m.versions) {
            v.versions[version] = v.versions[version] || ok;
        }
        if (m.versions.empty() && m.tls) {
            v.versions[m.version] = true;
        }
        if (!o.weakest_cipher.empty() && cipher_rank(o.weakest_cipher) < weakest) {
            weakest = cipher_rank(o.weakest_cipher);
            v.ciphers_weakest = o.weakest_cipher;
        }
        if (!o.strongest_cipher.empty() && cipher_rank(o.strongest_cipher) > strongest) {
            strongest = cipher_rank(o.strongest_cipher);
            v.ciphers_strongest = o.strongest_cipher;
        }
        if (o.cert_days_left && (!v.cert_days_left || *o.cert_days_left < *v.cert_days_left)) {
            v.cert_days_left = o.cert_days_left;
        }
        v.mx.push_back(std::move(o));
    }
    if (checked == 0) {
        v.state = compatibility::unknown;
    } else if (passing == checked) {
        v.state = compatibility::compatible;
    } else if (passing > 0) {
        v.state = compatibility::partial;
    } else {
        v.state = compatibility::incompatible;
    }
    v.compatible = v.state == compatibility::compatible || v.state == compatibility::partial;
    return v;
}

void to_json(nlohmann::json& j, const mx_outbound& m) {
    j = nlohmann::json{{"host", m.host},
                       {"ip", m.ip},
                       {"checked", m.checked},
                       {"compatible", m.compatible},
                       {"blocking", m.blocking},
                       {"notes", m.notes},
                       {"weakest_version", m.weakest_version},
                       {"strongest_version", m.strongest_version},
                       {"weakest_cipher", m.weakest_cipher},
                       {"strongest_cipher", m.strongest_cipher},
                       {"cert_days_left", m.cert_days_left ? nlohmann::json(*m.cert_days_left)
                                                           : nlohmann::json(nullptr)}};
}

void to_json(nlohmann::json& j, const outbound_verdict& v) {
    j = nlohmann::json{
        {"state", to_string(v.state)},
        {"compatible", v.compatible},
        {"blocking", v.blocking},
        {"versions", v.versions},
        {"ciphers_weakest",
         v.ciphers_weakest.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.ciphers_weakest)},
        {"ciphers_strongest", v.ciphers_strongest.empty() ? nlohmann::json(nullptr)
                                                          : nlohmann::json(v.ciphers_strongest)},
        {"cert_days_left",
         v.cert_days_left ? nlohmann::json(*v.cert_days_left) : nlohmann::json(nullptr)},
        {"mta_sts_mode",
         v.mta_sts_mode ? nlohmann::json(*v.mta_sts_mode) : nlohmann::json(nullptr)},
        {"dane", v.dane},
        {"mx", v.mx}};
}

} // namespace policy
