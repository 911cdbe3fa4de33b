#include "policy/dane.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

constexpr std::uint8_t usage_pkix_ta = 0;
constexpr std::uint8_t usage_pkix_ee = 1;
constexpr std::uint8_t usage_dane_ta = 2;
constexpr std::uint8_t usage_dane_ee = 3;
constexpr std::uint8_t matching_full = 0;
constexpr std::uint8_t matching_sha256 = 1;
constexpr std::uint8_t matching_sha512 = 2;

std::int64_t seconds_of(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string lower(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

bool is_hex(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// DANE-3, DANE-13: why a record cannot be used by an SMTP client, or "" when it can.
std::string unusable_reason(const resolver::tlsa_record& r, const std::string& data) {
    if (r.usage == usage_pkix_ta || r.usage == usage_pkix_ee) {
        return std::string(r.usage == usage_pkix_ta ? "PKIX-TA(0)" : "PKIX-EE(1)") +
               " is unusable for SMTP: MTAs share no trusted CA set (RFC 7672 §3.1.3)";
    }
    if (r.usage != usage_dane_ta && r.usage != usage_dane_ee) {
        return "certificate usage " + std::to_string(r.usage) + " is unknown or private";
    }
    if (r.selector > 1) {
        return "selector " + std::to_string(r.selector) + " is unknown or private";
    }
    if (r.matching_type > matching_sha512) {
        return "matching type " + std::to_string(r.matching_type) + " is unknown or private";
    }
    if (data.empty() || data.size() % 2 != 0 || !is_hex(data)) {
        return "the association data is empty or not whole bytes of hex";
    }
    const std::size_t bytes = data.size() / 2;
    if (r.matching_type == matching_sha256 && bytes != 32) {
        return "SHA2-256 data must be 32 bytes, not " + std::to_string(bytes) + " (RFC 7671 §9)";
    }
    if (r.matching_type == matching_sha512 && bytes != 64) {
        return "SHA2-512 data must be 64 bytes, not " + std::to_string(bytes) + " (RFC 7671 §9)";
    }
    return {};
}

// DANE-5: per (usage, selector), a client uses Full(0) plus only the strongest digest it
// supports among the usable records; weaker digests are dropped, so that a stale SHA2-256
// record cannot outvote the SHA2-512 one published next to it.
void apply_digest_agility(std::vector<tlsa_record_verdict>& records) {
    std::map<std::pair<int, int>, int> strongest;
    for (const auto& r : records) {
        if (r.usable && r.record.matching_type != matching_full) {
            int& best = strongest[{r.record.usage, r.record.selector}];
            best = std::max(best, static_cast<int>(r.record.matching_type));
        }
    }
    for (auto& r : records) {
        const auto it = strongest.find({r.record.usage, r.record.selector});
        if (r.usable && r.record.matching_type != matching_full && it != strongest.end() &&
            r.record.matching_type < it->second) {
            r.usable = false;
            r.unusable_reason = "superseded by SHA2-512 records of the same usage and selector "
                                "(digest agility, RFC 7671 §9)";
        }
    }
}

// The value of `cert` that a record with this selector and matching type is compared with.
std::string associated_value(const probe::cert_info& cert, const resolver::tlsa_record& r) {
    const bool spki = r.selector == 1;
    switch (r.matching_type) {
    case matching_full: {
        const auto& der = spki ? cert.spki_der : cert.der;
        return probe::to_hex(der.data(), der.size());
    }
    case matching_sha256:
        return spki ? cert.spki_sha256 : cert.sha256;
    case matching_sha512:
        return spki ? cert.spki_sha512 : cert.sha512;
    default:
        return {};
    }
}

bool matches(const probe::cert_info& cert, const resolver::tlsa_record& r,
             const std::string& data) {
    const std::string value = associated_value(cert, r);
    return !value.empty() && value == data;
}

// What fails, for a DANE sender, once a DANE-TA record has matched certificate `depth`:
// the MX name (DANE-17) and the dates on the path from the leaf up to the trust anchor
// (DANE-16). Empty when the host is authenticated.
std::vector<std::string> trust_anchor_failures(const probe::session_result& session,
                                               std::size_t depth, std::int64_t now_s,
                                               std::string& why) {
    std::vector<std::string> out;
    const auto& chain = session.tls->chain;
    const bool name_ok = session.certificate && session.certificate->hostname_match;
    if (!name_ok) {
        out.emplace_back("certificate-host-mismatch");
        why = "DANE-TA matched, but no DNS name of the certificate matches " + session.host;
    }
    for (std::size_t i = 0; i <= depth; ++i) {
        if (now_s > chain[i].not_after) {
            out.emplace_back("certificate-expired");
            why +=
                (why.empty() ? "DANE-TA matched, but " : "; ") + chain[i].subject + " has expired";
            break;
        }
        if (now_s < chain[i].not_before) {
            out.emplace_back("certificate-not-trusted");
            why += (why.empty() ? "DANE-TA matched, but " : "; ") + chain[i].subject +
                   " is not valid yet";
            break;
        }
    }
    return out;
}

void add_unique(std::vector<std::string>& to, const std::string& type) {
    if (std::find(to.begin(), to.end(), type) == to.end()) {
        to.push_back(type);
    }
}

// Matches the usable records against the presented chain and fills in the outcome of
// DANE authentication (DANE-14 to DANE-19).
void authenticate(const probe::session_result& session, std::int64_t now_s, dane_verdict& v) {
    if (!session.tls) {
        v.detail = "no TLS session, so nothing to authenticate: under DANE STARTTLS is "
                   "mandatory (DANE-14)";
        return;
    }
    const auto& chain = session.tls->chain;
    if (chain.empty()) {
        add_unique(v.result_types, "tlsa-invalid");
        v.detail = "no certificate was presented (anonymous suite): nothing to match (DANE-19)";
        return;
    }
    std::vector<std::string> ta_failures;
    std::string ta_why;
    for (auto& r : v.records) {
        if (!r.usable) {
            continue;
        }
        const std::string data = lower(r.record.data_hex);
        if (r.record.usage == usage_dane_ee) {
            // DANE-15: the leaf alone; its names and dates do not matter.
            if (matches(chain.front(), r.record, data)) {
                r.matched = true;
                r.matched_depth = 0;
                v.matched = v.authenticated = true;
            }
            continue;
        }
        for (std::size_t depth = 0; depth < chain.size(); ++depth) {
            if (!matches(chain[depth], r.record, data)) {
                continue;
            }
            // DANE-16: the leaf must chain up to the anchor by signature, not just by name.
            std::size_t broken = 0;
            while (broken < depth && probe::issued_by(chain[broken], chain[broken + 1])) {
                ++broken;
            }
            if (broken < depth) {
                r.rejection = "matches certificate " + std::to_string(depth) +
                              " of the chain, but certificate " + std::to_string(broken) +
                              " is not issued by the one after it";
                continue;
            }
            r.matched = true;
            r.matched_depth = static_cast<int>(depth);
            v.matched = true;
            std::string why;
            auto failures = trust_anchor_failures(session, depth, now_s, why);
            if (failures.empty()) {
                v.authenticated = true;
            } else {
                r.rejection = why;
                if (ta_failures.empty()) {
                    ta_failures = std::move(failures);
                    ta_why = std::move(why);
                }
            }
            break;
        }
    }
    if (v.authenticated) {
        v.detail = "the presented chain matches the TLSA RRset";
    } else if (!ta_failures.empty()) {
        v.result_types = ta_failures;
        v.detail = ta_why;
    } else {
        add_unique(v.result_types, "tlsa-invalid");
        v.detail = "the presented chain matches none of the " + std::to_string(v.usable) +
                   " usable TLSA record(s) (DANE-18)";
    }
}

bool is_webpki_certificate_finding(const std::string& code) {
    return code == "certificate-expired" || code == "certificate-host-mismatch" ||
           code == "certificate-not-trusted";
}

} // namespace

std::string_view to_string(tlsa_lookup_state s) {
    switch (s) {
    case tlsa_lookup_state::not_looked_up:
        return "not-looked-up";
    case tlsa_lookup_state::records:
        return "records";
    case tlsa_lookup_state::no_records:
        return "no-records";
    case tlsa_lookup_state::bogus:
        return "bogus";
    case tlsa_lookup_state::failed:
        return "failed";
    }
    return "failed";
}

std::string_view to_string(dane_status s) {
    switch (s) {
    case dane_status::not_looked_up:
        return "not-looked-up";
    case dane_status::lookup_failed:
        return "lookup-failed";
    case dane_status::insecure_addresses:
        return "insecure-addresses";
    case dane_status::insecure:
        return "insecure";
    case dane_status::no_records:
        return "no-records";
    case dane_status::dnssec_invalid:
        return "dnssec-invalid";
    case dane_status::applies:
        return "applies";
    }
    return "lookup-failed";
}

bool dane_verdict::decides() const {
    return status == dane_status::applies || !result_types.empty();
}

dane_verdict evaluate_dane(const tlsa_lookup& lookup, const probe::session_result& session,
                           std::chrono::system_clock::time_point now, const dane_options& options) {
    dane_verdict v;
    v.tlsa_name = lookup.name;
    const bool answered =
        lookup.state == tlsa_lookup_state::records || lookup.state == tlsa_lookup_state::no_records;
    v.tlsa_secure = answered && lookup.authenticated;
    for (const auto& r : lookup.records) {
        tlsa_record_verdict rv;
        rv.record = r;
        rv.unusable_reason = unusable_reason(r, lower(r.data_hex));
        rv.usable = rv.unusable_reason.empty();
        v.records.push_back(std::move(rv));
    }
    apply_digest_agility(v.records);
    v.usable = static_cast<int>(
        std::count_if(v.records.begin(), v.records.end(), [](const auto& r) { return r.usable; }));

    if (lookup.state == tlsa_lookup_state::not_looked_up) {
        v.status = dane_status::not_looked_up;
        v.detail = "TLSA was not looked up";
    } else if (options.addresses_secure == false) {
        // DANE-11: a sender looks for TLSA only behind secure address records.
        v.status = dane_status::insecure_addresses;
        v.detail = "the host's address records are not DNSSEC-secure, so DANE does not apply "
                   "(RFC 7672 §2.2.3)";
    } else if (lookup.state == tlsa_lookup_state::failed) {
        v.status = dane_status::lookup_failed;
        v.detail = "TLSA lookup failed" + (lookup.detail.empty() ? "" : ": " + lookup.detail);
    } else if (lookup.state == tlsa_lookup_state::bogus) {
        v.status = dane_status::dnssec_invalid;
        v.result_types.emplace_back("dnssec-invalid");
        v.detail = "the TLSA lookup failed validation (SERVFAIL): a DANE sender must not "
                   "deliver to this host (DANE-12)";
    } else if (lookup.state == tlsa_lookup_state::no_records) {
        v.status = dane_status::no_records;
        v.detail = std::string("no TLSA records (") +
                   (lookup.authenticated ? "secure" : "insecure") + " denial): no DANE";
    } else if (!lookup.authenticated) {
        v.status = dane_status::insecure;
        v.detail = "the TLSA answer is not DNSSEC-secure, so it is ignored (DANE-6)";
    } else {
        v.status = dane_status::applies;
        if (v.usable == 0) {
            // DANE-12: STARTTLS is still mandatory, but nothing can be authenticated.
            v.result_types.emplace_back("tlsa-invalid");
            v.detail = "the secure TLSA RRset has no usable record: encryption is mandatory, "
                       "authentication impossible";
        } else {
            authenticate(session, seconds_of(now), v);
        }
    }
    if (options.required && !(v.status == dane_status::applies && v.usable > 0) &&
        v.status != dane_status::dnssec_invalid) {
        add_unique(v.result_types, "dane-required");
        v.detail += "; DANE is required but there is no secure usable TLSA RRset (DANE-20)";
    }
    return v;
}

void apply_dane(const dane_verdict& dane, host_verdict& verdict) {
    if (!dane.decides()) {
        verdict.effective_result_types = verdict.result_types;
        verdict.effective_policy = "webpki";
        return;
    }
    // Session failures before any certificate (no STARTTLS, a failed handshake) fail a DANE
    // sender as well; WebPKI's certificate verdicts are replaced by DANE's.
    verdict.effective_policy = "dane";
    verdict.effective_result_types.clear();
    for (const auto& type : verdict.result_types) {
        if (type.rfind("certificate-", 0) != 0) {
            add_unique(verdict.effective_result_types, type);
        }
    }
    for (const auto& type : dane.result_types) {
        add_unique(verdict.effective_result_types, type);
    }

    if (dane.authenticated) {
        for (auto& f : verdict.findings) {
            if (is_webpki_certificate_finding(f.code) && f.level == severity::critical) {
                f.level = severity::warning;
                f.message += " (fails WebPKI senders only: DANE authenticates this host)";
            }
        }
    }
    if (!dane.result_types.empty()) {
        const bool unauthenticated_tls = dane.status == dane_status::applies && dane.usable == 0;
        verdict.findings.push_back({"dane-" + dane.result_types.front(),
                                    unauthenticated_tls ? severity::warning : severity::critical,
                                    dane.detail});
    }
    const auto unusable = std::count_if(dane.records.begin(), dane.records.end(),
                                        [](const auto& r) { return !r.usable; });
    if (dane.status == dane_status::applies && dane.usable > 0 && unusable > 0) {
        verdict.findings.push_back({"tlsa-unusable-records", severity::warning,
                                    std::to_string(unusable) + " TLSA record(s) of " +
                                        dane.tlsa_name + " are unusable by SMTP clients"});
    }
    verdict.overall = worst(verdict.findings);
}

void to_json(nlohmann::json& j, const tlsa_record_verdict& r) {
    j = r.record;
    j["usable"] = r.usable;
    if (!r.usable) {
        j["unusable_reason"] = r.unusable_reason;
    }
    j["matched"] = r.matched;
    if (r.matched) {
        j["matched_depth"] = r.matched_depth;
    }
    if (!r.rejection.empty()) {
        j["rejection"] = r.rejection;
    }
}

void to_json(nlohmann::json& j, const dane_verdict& v) {
    j = nlohmann::json{{"status", to_string(v.status)},
                       {"tlsa_name", v.tlsa_name},
                       {"tlsa_secure", v.tlsa_secure},
                       {"records", v.records},
                       {"usable", v.usable},
                       {"matched", v.matched},
                       {"authenticated", v.authenticated},
                       {"decides", v.decides()},
                       {"result_types", v.result_types},
                       {"detail", v.detail}};
}

} // namespace policy
