#include "policy/host_verdict.hpp"

#include "policy/days.hpp"

#include <algorithm>

namespace policy {

namespace {

using probe::status;


void add(host_verdict& v, std::string code, severity level, std::string message) {
    v.findings.push_back({std::move(code), level, std::move(message)});
}

void add_result_type(host_verdict& v, const char* type) {
    if (std::find(v.result_types.begin(), v.result_types.end(), type) == v.result_types.end()) {
        v.result_types.emplace_back(type);
    }
}

// Failures that happen before TLS is even attempted are transient for RFC 8460 §4.3.4 and
// are not TLS results: the probe could not check, it did not find a TLS fault.
bool could_not_check(status s) {
    switch (s) {
    case status::address_refused:
    case status::connection_refused:
    case status::connection_timeout:
    case status::connection_closed:
    case status::session_refused:
    case status::internal_error:
        return true;
    default:
        return false;
    }
}

bool is_weak_key(const probe::cert_info& c, const host_thresholds& t) {
    if (c.key_type == "RSA" || c.key_type == "RSA-PSS") {
        return c.key_bits < t.min_rsa_bits;
    }
    if (c.key_type == "EC") {
        return c.key_bits < t.min_ec_bits;
    }
    return c.key_type == "DSA";
}

void judge_certificate(const probe::session_result& p, std::chrono::system_clock::time_point now,
                       const host_thresholds& t, host_verdict& v) {
    const auto& chain = p.tls->chain;
    if (chain.empty()) {
        add_result_type(v, "certificate-not-trusted");
        add(v, "certificate-missing", severity::critical,
            "the server presented no certificate (anonymous cipher suite)");
        return;
    }
    const probe::cert_info& leaf = chain.front();
    v.times = leaf_times(leaf, now);
    const auto& cert = *p.certificate;

    if (v.times->expired || cert.expired) {
        add_result_type(v, "certificate-expired");
        add(v, "certificate-expired", severity::critical,
            v.times->expired
                ? "the certificate expired " + std::to_string(-v.times->days_left) + " day(s) ago"
                : "a certificate in the chain has expired");
    } else if (v.times->days_left < t.expiry_warning_days) {
        add(v, "certificate-expiring", severity::warning,
            "the certificate expires in " + std::to_string(v.times->days_left) + " day(s)");
    }
    if (!cert.hostname_match) {
        add_result_type(v, "certificate-host-mismatch");
        add(v, "certificate-host-mismatch", severity::critical,
            "no subjectAltName DNS name of the certificate matches " + p.host);
    }
    if (v.times->not_yet_valid || cert.not_yet_valid || cert.other_errors) {
        add_result_type(v, "certificate-not-trusted");
        std::string why = cert.missing_intermediate
                              ? "the server does not send the intermediate "
                                "certificate(s) needed to reach a trusted root"
                          : leaf.self_signed       ? "the certificate is self-signed"
                          : cert.untrusted_root    ? "the chain ends at a root that is not trusted"
                          : v.times->not_yet_valid ? "the certificate is not valid yet"
                                                   : cert.verify_error;
        add(v, "certificate-not-trusted", severity::critical, why);
    }
    if (!cert.chain_in_order) {
        add(v, "chain-order", severity::warning, "the chain is not sent in issuing order");
    }
    const probe::cert_info* weakest = nullptr;
    for (const auto& c : chain) {
        if (is_weak_key(c, t) && (weakest == nullptr || c.key_bits < weakest->key_bits)) {
            weakest = &c;
        }
        // A root's own signature is never checked, so SHA-1 there is harmless.
        v.sha1_signature = v.sha1_signature || (!c.self_signed && c.signature_digest == "SHA1");
    }
    v.weak_key = weakest != nullptr;
    if (weakest != nullptr) {
        add(v, "weak-key", severity::warning,
            weakest->subject + " has a weak " + weakest->key_type + " key of " +
                std::to_string(weakest->key_bits) + " bits (RSA needs " +
                std::to_string(t.min_rsa_bits) + ", EC " + std::to_string(t.min_ec_bits) + ")");
    }
    if (v.sha1_signature) {
        add(v, "sha1-signature", severity::warning,
            "a certificate in the chain is signed with SHA-1");
    }
}

bool has_finding(const host_verdict& v, const std::string& code) {
    return std::any_of(v.findings.begin(), v.findings.end(),
                       [&](const finding& f) { return f.code == code; });
}

std::string weak_dh_message(int bits, const host_thresholds& t) {
    return "DHE key exchange with a " + std::to_string(bits) + "-bit group (at least " +
           std::to_string(t.min_dh_bits) + " bits: such groups fall to precomputation, Logjam)";
}

// The accepted suites, over all versions, whose OpenSSL name holds `marker`; each name once.
std::string suites_with(const probe::enumeration_result& e, const char* marker) {
    std::vector<std::string> names;
    for (const auto& [version, suites] : e.ciphers) {
        for (const auto& s : suites) {
            if (s.find(marker) != std::string::npos &&
                std::find(names.begin(), names.end(), s) == names.end()) {
                names.push_back(s);
            }
        }
    }
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out;
}

} // namespace

void judge_enumeration(const probe::enumeration_result& e, host_verdict& v,
                       const host_thresholds& t) {
    const auto accepted = [&](const char* version) {
        const auto it = e.versions.find(version);
        return it != e.versions.end() && it->second;
    };
    if (accepted("SSLv3")) {
        add(v, "sslv3-accepted", severity::warning,
            "the server accepts SSLv3, broken since POODLE (RFC 7568 forbids it)");
    }
    std::string legacy;
    for (const char* version : {"TLSv1", "TLSv1.1"}) {
        if (accepted(version)) {
            legacy += (legacy.empty() ? "" : " and ") + std::string(version);
        }
    }
    if (!legacy.empty()) {
        add(v, "legacy-tls-accepted", severity::warning,
            "the server still accepts " + legacy + " (deprecated by RFC 8996)");
    }
    // Only once both were asked: a server that stopped answering (busy) before them is
    // unknown there, not without them.
    if (e.versions.count("TLSv1.2") != 0 && e.versions.count("TLSv1.3") != 0 &&
        !accepted("TLSv1.2") && !accepted("TLSv1.3")) {
        add(v, "no-modern-tls", severity::warning,
            "no TLS 1.2 or 1.3: MTA-STS senders (RFC 8461 §7.2) cannot deliver securely");
    }
    if (const std::string des = suites_with(e, "DES-CBC3"); !des.empty()) {
        add(v, "cipher-3des-accepted", severity::warning,
            "the server accepts 3DES suites (" + des +
                "): 64-bit blocks, open to SWEET32 (CVE-2016-2183)");
    }
    if (const std::string rc4 = suites_with(e, "RC4"); !rc4.empty()) {
        add(v, "cipher-rc4-accepted", severity::warning,
            "the server accepts RC4 suites (" + rc4 + "), which RFC 7465 prohibits");
    }
    if (e.dhe_min_bits > 0 && e.dhe_min_bits < t.min_dh_bits && !has_finding(v, "weak-dh-group")) {
        add(v, "weak-dh-group", severity::warning, weak_dh_message(e.dhe_min_bits, t));
    }
    v.overall = worst(v.findings);
}

certificate_times leaf_times(const probe::cert_info& leaf,
                             std::chrono::system_clock::time_point now) {
    const std::int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    certificate_times out;
    out.expired = now_s > leaf.not_after;
    out.not_yet_valid = now_s < leaf.not_before;
    out.days_left = floor_days(leaf.not_after - now_s);
    return out;
}

host_verdict evaluate_host(const probe::session_result& p,
                           std::chrono::system_clock::time_point now, const host_thresholds& t) {
    host_verdict v;
    if (could_not_check(p.outcome)) {
        add(v, std::string(probe::to_string(p.outcome)), severity::unknown,
            "could not check: " + p.error);
    } else if (p.outcome == status::starttls_not_offered ||
               p.outcome == status::starttls_rejected) {
        add_result_type(v, "starttls-not-supported");
        add(v, "starttls-not-supported", severity::critical, p.error);
    } else if (p.plaintext_after_starttls) {
        // TLS-4, TLS-11: after "220 Ready" the session is a TLS failure, and unrequested
        // plaintext there is how command injection attacks begin.
        add_result_type(v, "validation-failure");
        add(v, "plaintext-after-starttls", severity::critical,
            "the server sent plaintext after its 220 reply to STARTTLS: " + p.error);
    } else if (!p.tls) {
        // Timeouts and protocol errors up to and including the handshake.
        if (p.failed_phase == probe::phase::handshake) {
            add_result_type(v, "validation-failure");
            add(v, "handshake-failed", severity::critical, "TLS handshake failed: " + p.error);
        } else {
            add(v, std::string(probe::to_string(p.outcome)), severity::unknown,
                "could not check: " + p.error);
        }
    }
    if (p.tls) {
        if (p.certificate) {
            judge_certificate(p, now, t, v);
        }
        if (p.tls->version == "TLSv1" || p.tls->version == "TLSv1.1") {
            add(v, "old-tls-version", severity::warning,
                "negotiated " + p.tls->version + "; MTA-STS senders need TLS 1.2 or later");
        }
        if (p.tls->server_temp_key_type == "DH" && p.tls->server_temp_key_bits > 0 &&
            p.tls->server_temp_key_bits < t.min_dh_bits) {
            add(v, "weak-dh-group", severity::warning,
                "negotiated " + weak_dh_message(p.tls->server_temp_key_bits, t));
        }
        if (!p.tls->forward_secrecy) {
            add(v, "no-forward-secrecy", severity::warning,
                "negotiated " + p.tls->cipher + " without forward secrecy");
        }
        if (p.outcome == status::post_tls_error) {
            add(v, "post-tls-failure", severity::critical,
                "TLS came up but SMTP inside it failed: " + p.error);
        }
        if (p.starttls_after_tls) {
            add(v, "starttls-after-tls", severity::warning,
                "STARTTLS is advertised again inside TLS (RFC 3207 §4.2)");
        }
    }
    if (p.bare_lf) {
        add(v, "bare-lf", severity::warning, "reply lines end in LF without CR");
    }
    v.effective_result_types = v.result_types; // until apply_dane says otherwise
    v.overall = worst(v.findings);
    return v;
}

} // namespace policy
