// Hostile TLS peers behind a STARTTLS that was accepted: alert storms, garbage after the
// ServerHello, a 50-certificate chain, a certificate with 10,000 names, and one too large for
// the handshake. Each session ends promptly with the reason, and what the probe keeps of a
// huge chain or name list is capped and says so (docs/limits.md).

#include "tests/hostile/hostile.hpp"
#include "tests/support/fake_smtp_server.hpp"

#include <string>
#include <vector>

namespace {

using namespace hostile;
using mxprobe_test::cert_spec;
using mxprobe_test::fake_smtp_server;
using mxprobe_test::issued;
using mxprobe_test::misbehaviour;
using mxprobe_test::smtp_script;
using probe::phase;
using probe::status;

finished<probe::session_result> tls_peer_session(const fake_smtp_server& server,
                                                 std::chrono::milliseconds each = 5000ms) {
    static boost::asio::ssl::context tls = trusting_context();
    return run(probe::async_smtp_session(server.endpoint(), "mx.test", deadlines(each), tls));
}

// A leaf for mx.test whose subjectAltName holds `count` names, mx.test the last of them.
issued leaf_with_names(std::size_t count) {
    cert_spec spec{.common_name = "mx.test", .dns_names = {}};
    for (std::size_t i = 0; i + 1 < count; ++i) {
        spec.dns_names.push_back("n" + std::to_string(i) + ".t");
    }
    spec.dns_names.emplace_back("mx.test");
    return material().pki.leaf(spec);
}

} // namespace

TEST_SUITE("hostile.tls") {

    TEST_CASE("a storm of TLS warning alerts → handshake_error with OpenSSL's reason, quickly" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::alert_storm;
        fake_smtp_server server(s);
        const auto [r, took] = tls_peer_session(server);
        CHECK(r.outcome == status::handshake_error);
        CHECK(r.failed_phase == phase::handshake);
        CHECK(r.starttls_accepted);
        CHECK_FALSE(r.tls.has_value());
        CHECK_FALSE(r.error.empty());
        MESSAGE("alert storm: " << r.error);
        CHECK(took < 2000ms);
    }

    TEST_CASE("random bytes after a real ServerHello → handshake_error, quickly" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::garbage_after_server_hello;
        fake_smtp_server server(s);
        const auto [r, took] = tls_peer_session(server);
        CHECK(r.outcome == status::handshake_error);
        CHECK(r.failed_phase == phase::handshake);
        CHECK_FALSE(r.tls.has_value());
        CHECK_FALSE(r.error.empty());
        MESSAGE("garbage after ServerHello: " << r.error);
        CHECK(took < 2000ms);
    }

    TEST_CASE("a 50-certificate chain is verified whole, 16 are described, 50 counted" *
              doctest::timeout(60)) {
        // root → 48 intermediate CAs → leaf, sent with the root: a real path of 50.
        std::vector<issued> cas;
        cas.push_back(mxprobe_test::make_issued(
            cert_spec{.common_name = "CA 1", .dns_names = {}, .is_ca = true}, material().pki.root));
        for (int i = 2; i <= 48; ++i) {
            cas.push_back(mxprobe_test::make_issued(
                cert_spec{.common_name = "CA " + std::to_string(i), .dns_names = {}, .is_ca = true},
                cas.back()));
        }
        const issued leaf = mxprobe_test::make_issued(
            cert_spec{.common_name = "mx.test", .dns_names = {"mx.test"}}, cas.back());
        smtp_script s = mx_script();
        s.tls.cert_chain_pem = leaf.cert_pem();
        for (auto ca = cas.rbegin(); ca != cas.rend(); ++ca) {
            s.tls.cert_chain_pem += ca->cert_pem();
        }
        s.tls.cert_chain_pem += material().pki.root.cert_pem(); // the 50th
        s.tls.key_pem = leaf.key_pem();
        fake_smtp_server server(s);
        const auto [r, took] = tls_peer_session(server);
        REQUIRE(r.outcome == status::success);
        REQUIRE(r.tls.has_value());
        CHECK(r.tls->chain_presented == 50);
        CHECK(r.tls->chain.size() == probe::max_kept_chain);
        CHECK(r.tls->chain.front().subject == "CN=mx.test");
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->trusted);
        CHECK(r.certificate->verified_chain_length == 50);
        CHECK(r.certificate->chain_in_order);
    }

    TEST_CASE("a certificate with 10,000 names: 1,000 kept, all counted, the name still checked" *
              doctest::timeout(60)) {
        const issued leaf = leaf_with_names(10000);
        smtp_script s = mx_script();
        s.tls.cert_chain_pem = leaf.cert_pem() + material().pki.intermediate.cert_pem();
        s.tls.key_pem = leaf.key_pem();
        fake_smtp_server server(s);
        const auto [r, took] = tls_peer_session(server);
        REQUIRE(r.outcome == status::success);
        REQUIRE(r.tls.has_value());
        const probe::cert_info& kept = r.tls->chain.front();
        CHECK(kept.san_dns.size() == probe::max_kept_san_dns);
        CHECK(kept.san_dns_total == 10000);
        CHECK(kept.san_dns.front() == "n0.t");
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->hostname_match); // mx.test is name 10,000: checked on the certificate
        CHECK(r.certificate->trusted);
    }

    TEST_CASE("a certificate message over OpenSSL's 100 KiB limit → handshake_error naming it" *
              doctest::timeout(60)) {
        const issued leaf = leaf_with_names(20000);
        smtp_script s = mx_script();
        s.tls.cert_chain_pem = leaf.cert_pem() + material().pki.intermediate.cert_pem();
        s.tls.key_pem = leaf.key_pem();
        fake_smtp_server server(s);
        const auto [r, took] = tls_peer_session(server);
        CHECK(r.outcome == status::handshake_error);
        CHECK(r.failed_phase == phase::handshake);
        CHECK(r.error.find("excessive message size") != std::string::npos);
        CHECK_FALSE(r.tls.has_value());
    }
}
