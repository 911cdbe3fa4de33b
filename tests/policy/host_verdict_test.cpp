// Table tests of policy::evaluate_host and leaf_times. Probe results and certificate facts are
// written by hand and the clock is a fixed `verdict_time`: no OpenSSL, no Asio, no real time.

#include "policy/host_verdict.hpp"
#include "tests/support/test_time.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace doctest {
template <> struct StringMaker<policy::severity> {
    static String convert(policy::severity s) { return String(policy::to_string(s).data()); }
};
} // namespace doctest

namespace {

using policy::severity;
using probe::phase;
using probe::status;

using mxprobe_test::day_seconds;

constexpr std::int64_t verdict_time_s = 1'750'000'000; // 2025-06-15T15:06:40Z
const std::chrono::system_clock::time_point verdict_time{std::chrono::seconds{verdict_time_s}};

// An EC P-256 certificate signed with SHA-256, issued 30 days ago, `days_left` days to go.
probe::cert_info ec_cert(std::string subject, std::string issuer, std::int64_t days_left) {
    probe::cert_info c;
    c.subject = std::move(subject);
    c.issuer = std::move(issuer);
    c.not_before = verdict_time_s - 30 * day_seconds;
    c.not_after = verdict_time_s + days_left * day_seconds;
    c.key_type = "EC";
    c.key_bits = 256;
    c.signature_algorithm = "ecdsa-with-SHA256";
    c.signature_digest = "SHA256";
    return c;
}

probe::cert_info leaf_cert() {
    return ec_cert("CN=mx.example.com", "CN=Test CA", 60);
}

// A clean STARTTLS session: TLS 1.3, trusted chain whose leaf names the host.
probe::session_result good_session() {
    probe::session_result r;
    r.host = "mx.example.com";
    r.starttls_offered = r.starttls_accepted = true;
    probe::tls_session tls;
    tls.version = "TLSv1.3";
    tls.cipher = "TLS_AES_256_GCM_SHA384";
    tls.forward_secrecy = true;
    tls.chain = {leaf_cert(), ec_cert("CN=Test CA", "CN=Test Root", 900)};
    tls.chain[0].san_dns = {"mx.example.com"};
    tls.chain[1].is_ca = true;
    r.tls = tls;
    probe::chain_verdict trusted;
    trusted.trusted = trusted.hostname_match = trusted.chain_complete = true;
    r.certificate = trusted;
    return r;
}

// A session that stopped before TLS came up.
probe::session_result stopped(status s, phase p, std::string error) {
    probe::session_result r = good_session();
    r.tls.reset();
    r.certificate.reset();
    r.outcome = s;
    r.failed_phase = p;
    r.error = std::move(error);
    return r;
}

std::string types_of(const policy::host_verdict& v) {
    std::string out;
    for (const auto& t : v.result_types) {
        out += (out.empty() ? "" : ",") + t;
    }
    return out;
}

const policy::finding* finding_named(const policy::host_verdict& v, const std::string& code) {
    const auto it = std::find_if(v.findings.begin(), v.findings.end(),
                                 [&](const policy::finding& f) { return f.code == code; });
    return it == v.findings.end() ? nullptr : &*it;
}

severity level_of(const policy::host_verdict& v, const std::string& code) {
    const auto* f = finding_named(v, code);
    REQUIRE_MESSAGE(f != nullptr, "no finding " << code);
    return f->level;
}

policy::host_verdict evaluate(const probe::session_result& r) {
    return policy::evaluate_host(r, verdict_time);
}

} // namespace

TEST_SUITE("policy.host_verdict") {

    TEST_CASE("trusted, matching, unexpired certificate over TLS 1.3 → no result types, ok") {
        const auto v = evaluate(good_session());
        CHECK(v.result_types.empty());
        CHECK(v.findings.empty());
        CHECK(v.overall == severity::ok);
        REQUIRE(v.times.has_value());
        CHECK(v.times->days_left == 60);
        CHECK_FALSE(v.times->expired);
        CHECK_FALSE(v.weak_key);
        CHECK_FALSE(v.sha1_signature);
    }

    // STANDARDS §7 rows 1-4 and 20-21: what a stop before TLS means for RFC 8460.
    TEST_CASE("stops before TLS → starttls-not-supported, validation-failure or unknown") {
        const struct {
            status s;
            phase p;
            const char* types;
            severity overall;
            const char* code;
        } cases[] = {
            {status::starttls_not_offered, phase::ehlo, "starttls-not-supported",
             severity::critical, "starttls-not-supported"},
            {status::starttls_rejected, phase::starttls, "starttls-not-supported",
             severity::critical, "starttls-not-supported"},
            {status::handshake_error, phase::handshake, "validation-failure", severity::critical,
             "handshake-failed"},
            {status::io_timeout, phase::handshake, "validation-failure", severity::critical,
             "handshake-failed"},
            {status::connection_refused, phase::connect, "", severity::unknown,
             "connection_refused"},
            {status::connection_timeout, phase::connect, "", severity::unknown,
             "connection_timeout"},
            {status::session_refused, phase::banner, "", severity::unknown, "session_refused"},
            {status::address_refused, phase::address, "", severity::unknown, "address_refused"},
            {status::io_timeout, phase::banner, "", severity::unknown, "io_timeout"},
            {status::protocol_error, phase::ehlo, "", severity::unknown, "protocol_error"},
        };
        for (const auto& c : cases) {
            CAPTURE(probe::to_string(c.s));
            CAPTURE(probe::to_string(c.p));
            const auto v = evaluate(stopped(c.s, c.p, "454 4.7.0 TLS not available"));
            CHECK(types_of(v) == c.types);
            CHECK(v.overall == c.overall);
            REQUIRE(v.findings.size() == 1);
            CHECK(v.findings[0].code == c.code);
            CHECK(v.findings[0].message.find("454 4.7.0 TLS not available") != std::string::npos);
            CHECK_FALSE(v.times.has_value());
        }
    }

    TEST_CASE("expired leaf or intermediate → certificate-expired, critical, reason given") {
        const struct {
            const char* name;
            std::int64_t leaf_not_after; // relative to now
            bool verdict_expired;        // what check_chain saw when the probe ran
            const char* message;
        } cases[] = {
            {"leaf expired", -3 * day_seconds, true, "the certificate expired 3 day(s) ago"},
            {"leaf expired since the probe ran", -10, false,
             "the certificate expired 1 day(s) ago"},
            {"intermediate expired", 60 * day_seconds, true,
             "a certificate in the chain has expired"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            auto r = good_session();
            r.tls->chain[0].not_after = verdict_time_s + c.leaf_not_after;
            r.certificate->trusted = !c.verdict_expired;
            r.certificate->expired = c.verdict_expired;
            const auto v = evaluate(r);
            CHECK(types_of(v) == "certificate-expired");
            CHECK(v.overall == severity::critical);
            CHECK(finding_named(v, "certificate-expired")->message == c.message);
            CHECK(finding_named(v, "certificate-expiring") == nullptr);
        }
    }

    TEST_CASE("no SAN matches the host → certificate-host-mismatch, also next to expiry") {
        auto r = good_session();
        r.certificate->hostname_match = false;
        const auto v = evaluate(r);
        CHECK(types_of(v) == "certificate-host-mismatch");
        CHECK(v.overall == severity::critical);
        CHECK(finding_named(v, "certificate-host-mismatch")->message.find("mx.example.com") !=
              std::string::npos);
        r.tls->chain[0].not_after = verdict_time_s - day_seconds;
        r.certificate->expired = true;
        CHECK(types_of(evaluate(r)) == "certificate-expired,certificate-host-mismatch");
    }

    TEST_CASE("verification errors → certificate-not-trusted with the reason that applies") {
        const struct {
            const char* name;
            bool missing_intermediate;
            bool untrusted_root;
            bool self_signed_leaf;
            const char* reason;
        } cases[] = {
            {"missing intermediate", true, false, false,
             "the server does not send the intermediate"},
            {"self-signed leaf", false, true, true, "the certificate is self-signed"},
            {"unknown root", false, true, false, "the chain ends at a root that is not trusted"},
            {"other", false, false, false, "unsupported certificate purpose"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            auto r = good_session();
            r.certificate->trusted = false;
            r.certificate->other_errors = true;
            r.certificate->verify_error = "unsupported certificate purpose";
            r.certificate->missing_intermediate = c.missing_intermediate;
            r.certificate->untrusted_root = c.untrusted_root;
            r.tls->chain[0].self_signed = c.self_signed_leaf;
            const auto v = evaluate(r);
            CHECK(types_of(v) == "certificate-not-trusted");
            CHECK(v.overall == severity::critical);
            CHECK(finding_named(v, "certificate-not-trusted")->message.find(c.reason) == 0);
        }
    }

    TEST_CASE("leaf not valid yet at now → certificate-not-trusted") {
        auto r = good_session();
        r.tls->chain[0].not_before = verdict_time_s + 1;
        const auto v = evaluate(r);
        CHECK(types_of(v) == "certificate-not-trusted");
        CHECK(v.times->not_yet_valid);
        CHECK(finding_named(v, "certificate-not-trusted")->message ==
              "the certificate is not valid yet");
    }

    TEST_CASE("expiry warning only below expiry_warning_days") {
        auto r = good_session();
        r.tls->chain[0].not_after = verdict_time_s + 30 * day_seconds; // exactly 30 days left
        auto v = evaluate(r);
        CHECK(v.times->days_left == 30);
        CHECK(finding_named(v, "certificate-expiring") == nullptr);
        CHECK(v.overall == severity::ok);

        r.tls->chain[0].not_after = verdict_time_s + 30 * day_seconds - 1; // 29 days and change
        v = evaluate(r);
        CHECK(v.times->days_left == 29);
        CHECK(level_of(v, "certificate-expiring") == severity::warning);
        CHECK(v.result_types.empty());
        CHECK(v.overall == severity::warning);

        policy::host_thresholds t;
        t.expiry_warning_days = 14;
        CHECK(policy::evaluate_host(r, verdict_time, t).findings.empty());
    }

    TEST_CASE("leaf_times: days_left is floored, notAfter itself still valid") {
        const struct {
            std::int64_t offset;
            std::int64_t days_left;
            bool expired;
        } cases[] = {
            {60 * day_seconds, 60, false},
            {day_seconds, 1, false},
            {day_seconds - 1, 0, false},
            {3600, 0, false},
            {0, 0, false},
            {-1, -1, true},
            {-3600, -1, true},
            {-day_seconds, -1, true},
            {-day_seconds - 1, -2, true},
        };
        for (const auto& c : cases) {
            CAPTURE(c.offset);
            auto leaf = leaf_cert();
            leaf.not_after = verdict_time_s + c.offset;
            const auto t = policy::leaf_times(leaf, verdict_time);
            CHECK(t.days_left == c.days_left);
            CHECK(t.expired == c.expired);
            CHECK_FALSE(t.not_yet_valid);
        }
        auto early = leaf_cert();
        early.not_before = verdict_time_s + 1;
        CHECK(policy::leaf_times(early, verdict_time).not_yet_valid);
        early.not_before = verdict_time_s;
        CHECK_FALSE(policy::leaf_times(early, verdict_time).not_yet_valid);
    }

    TEST_CASE("RSA 1024 anywhere in the chain → weak_key warning, RSA 2048 and P-256 are fine") {
        const struct {
            std::size_t at;
            int bits;
            bool weak;
        } cases[] = {{0, 1024, true}, {1, 1024, true}, {0, 2048, false}, {1, 2048, false}};
        for (const auto& c : cases) {
            CAPTURE(c.at);
            CAPTURE(c.bits);
            auto r = good_session();
            r.tls->chain[c.at].key_type = "RSA";
            r.tls->chain[c.at].key_bits = c.bits;
            const auto v = evaluate(r);
            CHECK(v.weak_key == c.weak);
            CHECK(v.result_types.empty());
            CHECK(v.overall == (c.weak ? severity::warning : severity::ok));
            CHECK((finding_named(v, "weak-key") != nullptr) == c.weak);
        }
    }

    TEST_CASE("weak-key message names the weak key, also when it is the intermediate's") {
        auto r = good_session();
        r.tls->chain[1].key_type = "RSA";
        r.tls->chain[1].key_bits = 1024;
        const auto v = evaluate(r);
        REQUIRE(finding_named(v, "weak-key") != nullptr);
        CHECK(finding_named(v, "weak-key")->message.find("1024") != std::string::npos);
    }

    TEST_CASE("SHA-1 on the intermediate → warning, SHA-1 on a self-signed root → none") {
        auto r = good_session();
        r.tls->chain[1].signature_algorithm = "ecdsa-with-SHA1";
        r.tls->chain[1].signature_digest = "SHA1";
        auto v = evaluate(r);
        CHECK(v.sha1_signature);
        CHECK(level_of(v, "sha1-signature") == severity::warning);

        r = good_session();
        auto root = ec_cert("CN=Test Root", "CN=Test Root", 3000);
        root.is_ca = root.self_issued = root.self_signed = true;
        root.signature_algorithm = "sha1WithRSAEncryption";
        root.signature_digest = "SHA1";
        r.tls->chain.push_back(root);
        v = evaluate(r);
        CHECK_FALSE(v.sha1_signature);
        CHECK(v.findings.empty());
    }

    TEST_CASE("old TLS versions and static key exchange → warnings, no result type") {
        const struct {
            const char* version;
            const char* cipher;
            bool forward_secrecy;
            const char* code; // nullptr: no finding
        } cases[] = {
            {"TLSv1.1", "ECDHE-RSA-AES256-SHA", true, "old-tls-version"},
            {"TLSv1", "ECDHE-RSA-AES256-SHA", true, "old-tls-version"},
            {"TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", true, nullptr},
            {"TLSv1.2", "AES256-GCM-SHA384", false, "no-forward-secrecy"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.version);
            CAPTURE(c.cipher);
            auto r = good_session();
            r.tls->version = c.version;
            r.tls->cipher = c.cipher;
            r.tls->forward_secrecy = c.forward_secrecy;
            const auto v = evaluate(r);
            CHECK(v.result_types.empty());
            if (c.code == nullptr) {
                CHECK(v.findings.empty());
                continue;
            }
            CHECK(v.findings.size() == 1);
            CHECK(level_of(v, c.code) == severity::warning);
            CHECK(v.overall == severity::warning);
            const char* named = c.forward_secrecy ? c.version : c.cipher; // what to change
            CHECK(finding_named(v, c.code)->message.find(named) != std::string::npos);
        }
    }

    TEST_CASE("DHE negotiated with a group below 2048 bits → weak-dh-group warning") {
        const struct {
            const char* type;
            int bits;
            bool weak;
        } cases[] = {{"DH", 1024, true},
                     {"DH", 2047, true},
                     {"DH", 2048, false},
                     {"X25519", 253, false},
                     {"EC", 256, false}};
        for (const auto& c : cases) {
            CAPTURE(c.type);
            CAPTURE(c.bits);
            auto r = good_session();
            r.tls->version = "TLSv1.2";
            r.tls->cipher = "DHE-RSA-AES256-GCM-SHA384";
            r.tls->server_temp_key_type = c.type;
            r.tls->server_temp_key_bits = c.bits;
            const auto v = evaluate(r);
            CHECK(v.result_types.empty());
            CHECK((finding_named(v, "weak-dh-group") != nullptr) == c.weak);
            if (c.weak) {
                CHECK(level_of(v, "weak-dh-group") == severity::warning);
                CHECK(finding_named(v, "weak-dh-group")
                          ->message.find(std::to_string(c.bits) + "-bit") != std::string::npos);
            }
        }
    }

    TEST_CASE("SMTP fails inside TLS → critical post-tls-failure, no result type") {
        auto r = good_session();
        r.outcome = status::post_tls_error;
        r.failed_phase = phase::post_tls_ehlo;
        r.error = "EHLO inside TLS answered 554";
        const auto v = evaluate(r);
        CHECK(v.result_types.empty());
        CHECK(level_of(v, "post-tls-failure") == severity::critical);
        CHECK(v.overall == severity::critical);
        CHECK(v.times.has_value()); // the certificate is still judged
    }

    TEST_CASE("anonymous cipher suite with no certificate → certificate-not-trusted") {
        auto r = good_session();
        r.tls->anonymous = true;
        r.tls->cipher = "ADH-AES256-GCM-SHA384";
        r.tls->chain.clear();
        probe::chain_verdict none; // what check_chain returns for an empty chain
        none.verify_error = "no certificate presented";
        r.certificate = none;
        const auto v = evaluate(r);
        CHECK(types_of(v) == "certificate-not-trusted");
        CHECK(level_of(v, "certificate-missing") == severity::critical);
        CHECK_FALSE(v.times.has_value());
    }

    TEST_CASE("server-side defects found along the way are warnings") {
        auto r = good_session();
        r.certificate->chain_in_order = false;
        r.starttls_after_tls = true;
        r.bare_lf = true;
        const auto v = evaluate(r);
        CHECK(level_of(v, "chain-order") == severity::warning);
        CHECK(level_of(v, "starttls-after-tls") == severity::warning);
        CHECK(level_of(v, "bare-lf") == severity::warning);
        CHECK(v.result_types.empty());
        CHECK(v.overall == severity::warning);
    }

    TEST_CASE("worst: a known failure outranks could-not-check, which outranks a warning") {
        using policy::finding;
        // Typed: a bare {} would also fit the overload for checks, where both are declared.
        CHECK(policy::worst(std::vector<finding>{}) == severity::ok);
        CHECK(policy::worst({finding{"a", severity::warning, ""}}) == severity::warning);
        CHECK(policy::worst({finding{"a", severity::warning, ""},
                             finding{"b", severity::unknown, ""}}) == severity::unknown);
        CHECK(policy::worst({finding{"a", severity::unknown, ""},
                             finding{"b", severity::critical, ""}}) == severity::critical);
        CHECK(policy::worst({finding{"a", severity::critical, ""},
                             finding{"b", severity::unknown, ""},
                             finding{"c", severity::ok, ""}}) == severity::critical);
    }
}
