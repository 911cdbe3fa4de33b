// Loopback tests of probe::async_smtp_session and probe::async_enumerate against the
// in-process fake SMTP server: the good path, every refusal the dialogue can meet, and
// hostile servers that stall, flood or inject, each of which must end within its deadline.

#include "probe/direct_key_decoding.hpp"
#include "probe/enumerate.hpp"
#include "probe/outcome.hpp"
#include "probe/smtp_session.hpp"
#include "probe/tls_context.hpp"
#include "probe/verification_cache.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/test_certs.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

namespace probe {
// So doctest prints our enums in failed checks.
inline std::ostream& operator<<(std::ostream& os, status s) {
    return os << to_string(s);
}
inline std::ostream& operator<<(std::ostream& os, phase p) {
    return os << to_string(p);
}
} // namespace probe

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mxprobe_test::fake_smtp_server;
using mxprobe_test::misbehaviour;
using mxprobe_test::smtp_script;
using probe::phase;
using probe::status;
using strings = std::vector<std::string>;

// One PKI per test binary: a root, an intermediate and a leaf for mx.test.
struct mx_pki_t {
    mxprobe_test::test_pki pki = mxprobe_test::test_pki::create();
    mxprobe_test::issued leaf =
        pki.leaf(mxprobe_test::cert_spec{.common_name = "mx.test", .dns_names = {"mx.test"}});
    std::string chain_pem = leaf.cert_pem() + pki.intermediate.cert_pem();
    std::string root_file = mxprobe_test::write_temp_file(pki.root.cert_pem());
    // An RSA leaf: before TLS 1.3 an ECDSA certificate ties ECDHE to its own curve.
    mxprobe_test::issued rsa_leaf = pki.leaf(mxprobe_test::cert_spec{
        .common_name = "mx.test", .dns_names = {"mx.test"}, .key = mxprobe_test::key_kind::rsa});
};

const mx_pki_t& mx_pki() {
    static const mx_pki_t m;
    return m;
}

smtp_script script() {
    smtp_script s;
    s.tls.cert_chain_pem = mx_pki().chain_pem;
    s.tls.key_pem = mx_pki().leaf.key_pem();
    return s;
}

// Short deadlines for hostile servers; `patient` for sessions that are meant to succeed on
// a loaded machine (sanitizers, parallel builds).
probe::session_options options(std::chrono::milliseconds each = 300ms) {
    probe::session_options o;
    o.timeouts.connect = 2000ms;
    o.timeouts.banner = each;
    o.timeouts.command = each;
    o.timeouts.handshake = each;
    o.timeouts.quit = each;
    return o;
}

probe::session_options patient() {
    return options(5000ms);
}

// The test's trust store holds only the test root.
asio::ssl::context trusting_context() {
    probe::tls_client_config config;
    config.ca_file = mx_pki().root_file;
    return probe::make_tls_context(config);
}

asio::ssl::context untrusting_context() {
    probe::tls_client_config config;
    config.load_trust_store = false;
    return probe::make_tls_context(config);
}

struct timed_result {
    probe::session_result result;
    std::chrono::milliseconds took{0};
};

// Drives the probe's io_context on this thread while the fake serves on its own.
timed_result run_session(const asio::ip::tcp::endpoint& endpoint, probe::session_options opts,
                         asio::ssl::context& tls, std::string host = "mx.test") {
    asio::io_context io;
    std::optional<probe::session_result> out;
    std::exception_ptr failure;
    const auto started = std::chrono::steady_clock::now();
    asio::co_spawn(io, probe::async_smtp_session(endpoint, std::move(host), std::move(opts), tls),
                   [&](std::exception_ptr e, probe::session_result r) {
                       failure = std::move(e);
                       out = std::move(r);
                   });
    io.run();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (failure) {
        std::rethrow_exception(failure);
    }
    REQUIRE(out.has_value());
    return {std::move(*out), took};
}

timed_result run_session(const fake_smtp_server& server, probe::session_options opts,
                         std::string host = "mx.test") {
    asio::ssl::context tls = trusting_context();
    return run_session(server.endpoint(), std::move(opts), tls, std::move(host));
}

probe::enumeration_result run_enumerate(const fake_smtp_server& server) {
    asio::io_context io;
    std::optional<probe::enumeration_result> out;
    std::exception_ptr failure;
    asio::co_spawn(io, probe::async_enumerate(server.endpoint(), "mx.test", patient()),
                   [&](std::exception_ptr e, probe::enumeration_result r) {
                       failure = std::move(e);
                       out = std::move(r);
                   });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    REQUIRE(out.has_value());
    return std::move(*out);
}

// For failure messages: doctest cannot print a vector.
std::string joined(const strings& items) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ", ") + i;
    }
    return "{" + out + "}";
}

// No session may ever send a command that could start a mail transaction (TLS-7).
void check_no_mail_transaction(const fake_smtp_server& server) {
    for (const auto& verb : server.verbs()) {
        CHECK(verb != "MAIL");
        CHECK(verb != "RCPT");
        CHECK(verb != "DATA");
    }
}

// TLS 1.2 only, exactly three suites, two groups; `rsa` picks the leaf and the suites.
smtp_script tls12_three_suites(bool server_preference, bool rsa = true) {
    smtp_script s = script();
    const std::string kx = rsa ? "ECDHE-RSA-" : "ECDHE-ECDSA-";
    if (rsa) {
        s.tls.cert_chain_pem = mx_pki().rsa_leaf.cert_pem() + mx_pki().pki.intermediate.cert_pem();
        s.tls.key_pem = mx_pki().rsa_leaf.key_pem();
    }
    s.tls.min_version = TLS1_2_VERSION;
    s.tls.max_version = TLS1_2_VERSION;
    s.tls.cipher_list =
        kx + "AES128-GCM-SHA256:" + kx + "CHACHA20-POLY1305:" + kx + "AES256-GCM-SHA384";
    s.tls.groups = "P-256:X25519";
    s.tls.server_preference = server_preference;
    return s;
}

// What enumerating tls12_three_suites(true) finds, however the server behaves on the way.
void check_three_suites_found(const probe::enumeration_result& e) {
    CHECK(e.versions == std::map<std::string, bool>{{"SSLv3", false},
                                                    {"TLSv1", false},
                                                    {"TLSv1.1", false},
                                                    {"TLSv1.2", true},
                                                    {"TLSv1.3", false}});
    REQUIRE(e.ciphers.count("TLSv1.2") == 1);
    CHECK(e.ciphers.at("TLSv1.2") == strings{"ECDHE-RSA-AES128-GCM-SHA256",
                                             "ECDHE-RSA-CHACHA20-POLY1305",
                                             "ECDHE-RSA-AES256-GCM-SHA384"});
    CHECK(e.groups == strings{"secp256r1", "x25519"});
    CHECK(e.notes.empty());
}

} // namespace

TEST_SUITE("probe.smtp_session") {

    TEST_CASE("a good STARTTLS session records banner, EHLO, TLS parameters and the chain") {
        fake_smtp_server server(script());
        const auto [r, took] = run_session(server, patient());

        CHECK(r.outcome == status::success);
        CHECK(r.failed_phase == phase::none);
        CHECK(r.error.empty());
        CHECK(r.host == "mx.test");
        CHECK(r.ip == "127.0.0.1");
        CHECK(r.port == server.port());
        CHECK(r.banner_code == 220);
        CHECK(r.banner == strings{"mx.test ESMTP fake"});
        CHECK(r.ehlo == strings{"PIPELINING", "SIZE 10240000", "8BITMIME", "STARTTLS"});
        CHECK_FALSE(r.helo_fallback);
        CHECK(r.starttls_offered);
        CHECK(r.starttls_accepted);
        CHECK(r.starttls_reply == "220 2.0.0 Ready to start TLS");
        CHECK_FALSE(r.plaintext_after_starttls);
        CHECK_FALSE(r.bare_lf);

        REQUIRE(r.tls.has_value());
        CHECK(r.tls->version == "TLSv1.3");
        CHECK(r.tls->cipher.rfind("TLS_", 0) == 0);
        CHECK(r.tls->cipher_bits >= 128);
        CHECK(r.tls->group == "x25519");
        CHECK(r.tls->forward_secrecy);
        CHECK_FALSE(r.tls->anonymous);
        REQUIRE(r.tls->chain.size() == 2); // leaf and intermediate, as the fake sends them
        CHECK(r.tls->chain[0].san_dns == strings{"mx.test"});
        CHECK(r.tls->chain[0].key_type == "EC");
        CHECK(r.tls->chain[0].key_bits == 256);

        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->trusted);
        CHECK(r.certificate->hostname_match);
        CHECK(r.certificate->chain_complete);
        CHECK(r.certificate->verified_chain_length == 3);

        CHECK(r.ehlo_after_tls == strings{"PIPELINING", "SIZE 10240000", "8BITMIME"});
        CHECK_FALSE(r.starttls_after_tls);
        CHECK(r.elapsed <= took);

        CHECK(server.verbs() == strings{"EHLO", "STARTTLS", "EHLO", "QUIT"});
        CHECK(server.commands().front() == "EHLO localhost");
        CHECK(server.connections() == 1);
        CHECK(server.handshakes() == 1);
        check_no_mail_transaction(server);
    }

    TEST_CASE("the SNI the server receives is the host passed to the probe (TLS-9)") {
        fake_smtp_server server(script());
        const auto [r, took] = run_session(server, patient(), "other.mx.test");
        CHECK(r.outcome == status::success);
        CHECK(server.sni_names() == strings{"other.mx.test"});
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->trusted);
        CHECK_FALSE(r.certificate->hostname_match); // the leaf names mx.test only
    }

    // The chain verdict comes from the handshake's own verification (probe/chain_check.cpp,
    // check_handshake_chain): the same facts check_chain gives, for each kind of bad chain.
    TEST_CASE("chain verdicts from the handshake: missing intermediate, expired, wrong name") {
        smtp_script bare = script();
        bare.tls.cert_chain_pem = mx_pki().leaf.cert_pem(); // no intermediate
        {
            fake_smtp_server server(bare);
            const auto [r, took] = run_session(server, patient());
            REQUIRE(r.certificate.has_value());
            CHECK_FALSE(r.certificate->trusted);
            CHECK(r.certificate->missing_intermediate);
            CHECK_FALSE(r.certificate->chain_complete);
            CHECK(r.certificate->hostname_match);
            REQUIRE_FALSE(r.certificate->errors.empty());
            CHECK(r.certificate->verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        }
        const auto expired_leaf = mx_pki().pki.leaf(
            mxprobe_test::cert_spec{.common_name = "mx.test",
                                    .dns_names = {"mx.test"},
                                    .not_before_offset = -std::chrono::seconds(100 * 86400),
                                    .not_after_offset = -std::chrono::seconds(86400)});
        smtp_script expired = script();
        expired.tls.cert_chain_pem = expired_leaf.cert_pem() + mx_pki().pki.intermediate.cert_pem();
        expired.tls.key_pem = expired_leaf.key_pem();
        {
            fake_smtp_server server(expired);
            const auto [r, took] = run_session(server, patient());
            REQUIRE(r.certificate.has_value());
            CHECK_FALSE(r.certificate->trusted);
            CHECK(r.certificate->expired);
            CHECK_FALSE(r.certificate->other_errors);
            CHECK(r.certificate->chain_complete);
            CHECK(r.certificate->verified_chain_length == 3);
        }
        {
            fake_smtp_server server(script());
            const auto [r, took] = run_session(server, patient(), "other.test");
            REQUIRE(r.certificate.has_value());
            CHECK(r.certificate->trusted); // the chain is fine; the name is not
            CHECK_FALSE(r.certificate->hostname_match);
        }
        {
            fake_smtp_server server(script());
            asio::ssl::context tls = untrusting_context();
            const auto [r, took] = run_session(server.endpoint(), patient(), tls, "mx.test");
            REQUIRE(r.certificate.has_value());
            CHECK_FALSE(r.certificate->trusted);
            CHECK(r.certificate->untrusted_root);
            CHECK_FALSE(r.certificate->missing_intermediate);
        }
    }

    // probe/verification_cache.hpp: one context verifies a chain once; every later session
    // presenting the same certificates gets the same facts without a second verification.
    TEST_CASE("a chain seen before on the context is not verified again, and says the same") {
        asio::ssl::context tls = trusting_context();
        const probe::verification_cache* cache = probe::chain_verifications(tls.native_handle());
        REQUIRE(cache != nullptr);
        const auto session = [&](const smtp_script& s, const std::string& host) {
            const fake_smtp_server server(s);
            auto [r, took] = run_session(server.endpoint(), patient(), tls, host);
            REQUIRE(r.certificate.has_value());
            return *r.certificate;
        };
        const auto same_facts = [](const probe::chain_verdict& a, const probe::chain_verdict& b) {
            CHECK(a.trusted == b.trusted);
            CHECK(a.verify_code == b.verify_code);
            CHECK(a.errors.size() == b.errors.size());
            CHECK(a.missing_intermediate == b.missing_intermediate);
            CHECK(a.untrusted_root == b.untrusted_root);
            CHECK(a.chain_complete == b.chain_complete);
            CHECK(a.verified_chain_length == b.verified_chain_length);
        };

        const auto first = session(script(), "mx.test");
        CHECK(first.trusted);
        CHECK(first.verified_chain_length == 3);
        CHECK(cache->misses() == 1);
        CHECK(cache->hits() == 0);
        // Another host presenting the same chain: reused; the name is still its own.
        const auto second = session(script(), "other.test");
        CHECK(cache->hits() == 1);
        same_facts(first, second);
        CHECK(first.hostname_match);
        CHECK_FALSE(second.hostname_match);

        // A different chain (the leaf alone) is verified afresh, then reused with its errors.
        smtp_script bare = script();
        bare.tls.cert_chain_pem = mx_pki().leaf.cert_pem();
        const auto third = session(bare, "mx.test");
        CHECK(cache->misses() == 2);
        CHECK_FALSE(third.trusted);
        CHECK(third.missing_intermediate);
        const auto fourth = session(bare, "mx.test");
        CHECK(cache->hits() == 2);
        same_facts(third, fourth);
        REQUIRE_FALSE(fourth.errors.empty());
        CHECK(fourth.errors.front().code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

        // Another context has its own store and its own cache: no verdict crosses over.
        asio::ssl::context other = untrusting_context();
        const fake_smtp_server server(script());
        const auto [r, took] = run_session(server.endpoint(), patient(), other, "mx.test");
        REQUIRE(r.certificate.has_value());
        CHECK_FALSE(r.certificate->trusted);
        CHECK(r.certificate->untrusted_root);
    }

    TEST_CASE("the EHLO name option is what the probe sends, before and inside TLS") {
        fake_smtp_server server(script());
        probe::session_options o = patient();
        o.ehlo_name = "probe.example";
        const auto [r, took] = run_session(server, o);
        CHECK(r.outcome == status::success);
        CHECK(server.commands() ==
              strings{"EHLO probe.example", "STARTTLS", "EHLO probe.example", "QUIT"});
    }

    TEST_CASE("TLS 1.2 with a pinned suite and group records version, cipher and group") {
        smtp_script s = script();
        s.tls.max_version = TLS1_2_VERSION;
        s.tls.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256";
        s.tls.groups = "P-256";
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::success);
        REQUIRE(r.tls.has_value());
        CHECK(r.tls->version == "TLSv1.2");
        CHECK(r.tls->cipher == "ECDHE-ECDSA-AES128-GCM-SHA256");
        CHECK(r.tls->cipher_standard == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        CHECK(r.tls->group == "secp256r1");
        CHECK(r.tls->forward_secrecy);
        CHECK(server.negotiated() == strings{"TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 secp256r1"});
    }

    TEST_CASE("STARTTLS advertised again inside TLS is flagged (TLS-6)") {
        smtp_script s = script();
        s.ehlo_after_tls_lines = {"mx.test", "STARTTLS"};
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::success);
        CHECK(r.starttls_after_tls);
    }

    TEST_CASE("an EHLO reply in bare LF lines is accepted and flagged (SMTP-9)") {
        smtp_script s = script();
        s.ehlo_bare_lf = true;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::success);
        CHECK(r.bare_lf);
        CHECK(r.starttls_offered);
    }

    TEST_CASE("STARTTLS not offered → starttls_not_offered in phase ehlo, QUIT sent") {
        smtp_script s = script();
        s.offer_starttls = false;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::starttls_not_offered);
        CHECK(r.failed_phase == phase::ehlo);
        CHECK_FALSE(r.starttls_offered);
        CHECK(r.ehlo == strings{"PIPELINING", "SIZE 10240000", "8BITMIME"});
        CHECK_FALSE(r.tls.has_value());
        CHECK(server.verbs() == strings{"EHLO", "QUIT"});
    }

    TEST_CASE("a server named STARTTLS without the keyword does not offer STARTTLS (SMTP-18)") {
        smtp_script s = script();
        s.offer_starttls = false;
        s.ehlo_lines = {"STARTTLS Hello", "PIPELINING"};
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::starttls_not_offered);
        CHECK(server.verbs() == strings{"EHLO", "QUIT"});
    }

    TEST_CASE("STARTTLS answered 454 → starttls_rejected with the reply text, banner kept") {
        smtp_script s = script();
        s.starttls_code = 454;
        s.starttls_text = "4.7.0 TLS not available due to local problem";
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::starttls_rejected);
        CHECK(r.failed_phase == phase::starttls);
        CHECK(r.starttls_offered);
        CHECK_FALSE(r.starttls_accepted);
        CHECK(r.starttls_reply == "454 4.7.0 TLS not available due to local problem");
        CHECK(r.error.find("454 4.7.0 TLS not available") != std::string::npos);
        CHECK(r.banner == strings{"mx.test ESMTP fake"});
        CHECK_FALSE(r.tls.has_value());
        CHECK(server.verbs() == strings{"EHLO", "STARTTLS", "QUIT"});
    }

    TEST_CASE("STARTTLS answered 421 and a close → starttls_rejected") {
        smtp_script s = script();
        s.starttls_code = 421;
        s.starttls_text = "4.3.2 Service shutting down";
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(1000ms));
        CHECK(r.outcome == status::starttls_rejected);
        CHECK(r.failed_phase == phase::starttls);
        CHECK(r.starttls_reply == "421 4.3.2 Service shutting down");
        CHECK(took < 1000ms);
    }

    TEST_CASE("a 554 greeting → session_refused in phase banner, QUIT sent (SMTP-11)") {
        smtp_script s = script();
        s.banner_code = 554;
        s.banner_text = "5.7.1 No SMTP service here";
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::session_refused);
        CHECK(r.failed_phase == phase::banner);
        CHECK(r.banner_code == 554);
        CHECK(r.banner == strings{"5.7.1 No SMTP service here"});
        CHECK(server.verbs() == strings{"QUIT"});
    }

    TEST_CASE("a 421 greeting and a close → session_refused in phase banner") {
        smtp_script s = script();
        s.banner_code = 421;
        s.banner_text = "4.3.2 Too busy, try later";
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(1000ms));
        CHECK(r.outcome == status::session_refused);
        CHECK(r.failed_phase == phase::banner);
        CHECK(r.banner_code == 421);
        CHECK(took < 1000ms);
    }

    TEST_CASE("EHLO refused with 502 → helo_fallback, starttls_not_offered (SMTP-14)") {
        smtp_script s = script();
        s.ehlo_code = 502;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::starttls_not_offered);
        CHECK(r.failed_phase == phase::ehlo);
        CHECK(r.helo_fallback);
        CHECK_FALSE(r.starttls_offered);
        CHECK(r.error.find("502") != std::string::npos);
        CHECK(server.verbs() == strings{"EHLO", "QUIT"});
    }

    TEST_CASE("a banner slower than the banner deadline → io_timeout in phase banner" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.banner_delay = 5000ms;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(300ms));
        CHECK(r.outcome == status::io_timeout);
        CHECK(r.failed_phase == phase::banner);
        CHECK(r.banner_code == 0);
        CHECK(took >= 250ms);
        CHECK(took < 1000ms);
    }

    TEST_CASE("one byte per second in the greeting → io_timeout in phase banner" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.bytes_per_second = 1;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(300ms));
        CHECK(r.outcome == status::io_timeout);
        CHECK(r.failed_phase == phase::banner);
        CHECK(took < 1000ms);
    }

    TEST_CASE("one byte per second after a prompt greeting → io_timeout in phase ehlo" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.bytes_per_second = 1;
        s.throttle_banner = false;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(300ms));
        CHECK(r.outcome == status::io_timeout);
        CHECK(r.failed_phase == phase::ehlo);
        CHECK(r.banner_code == 220);
        CHECK(took < 1000ms);
    }

    TEST_CASE("an endless multi-line EHLO reply → protocol_error (too many lines), quickly" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.misbehave = misbehaviour::endless_ehlo_reply;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(3000ms));
        CHECK(r.outcome == status::protocol_error);
        CHECK(r.failed_phase == phase::ehlo);
        CHECK(r.error == probe::to_string(probe::reply_error::too_many_lines));
        CHECK(took < 1000ms);
    }

    TEST_CASE("a 1 MiB greeting line → protocol_error (line too long), quickly" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.misbehave = misbehaviour::huge_banner_line;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(3000ms));
        CHECK(r.outcome == status::protocol_error);
        CHECK(r.failed_phase == phase::banner);
        CHECK(r.error == probe::to_string(probe::reply_error::line_too_long));
        CHECK(took < 1000ms);
    }

    TEST_CASE("garbage instead of a ServerHello → handshake_error with OpenSSL's reason" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.misbehave = misbehaviour::garbage_instead_of_tls;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(1000ms));
        CHECK(r.outcome == status::handshake_error);
        CHECK(r.failed_phase == phase::handshake);
        CHECK(r.starttls_accepted);
        CHECK_FALSE(r.tls.has_value());
        CHECK_FALSE(r.error.empty());
        MESSAGE("handshake error text: " << r.error);
        CHECK(took < 1000ms);
    }

    TEST_CASE("a close in mid-handshake → handshake_error or connection_closed in phase handshake" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.misbehave = misbehaviour::close_mid_handshake;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(1000ms));
        CHECK((r.outcome == status::handshake_error || r.outcome == status::connection_closed));
        CHECK(r.failed_phase == phase::handshake);
        CHECK_FALSE(r.tls.has_value());
        MESSAGE("mid-handshake close: " << probe::to_string(r.outcome) << ": " << r.error);
        CHECK(took < 1000ms);
    }

    TEST_CASE("a server silent after the ClientHello → io_timeout in phase handshake" *
              doctest::timeout(10)) {
        smtp_script s = script();
        s.misbehave = misbehaviour::silent_mid_handshake;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, options(300ms));
        CHECK(r.outcome == status::io_timeout);
        CHECK(r.failed_phase == phase::handshake);
        CHECK(r.starttls_accepted);
        CHECK_FALSE(r.tls.has_value());
        CHECK(took < 1000ms);
    }

    TEST_CASE("EHLO refused inside TLS → post_tls_error in phase post_tls_ehlo, TLS kept") {
        smtp_script s = script();
        s.ehlo_after_tls_code = 554;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::post_tls_error);
        CHECK(r.failed_phase == phase::post_tls_ehlo);
        CHECK(r.error.find("554") != std::string::npos);
        REQUIRE(r.tls.has_value());
        CHECK(r.tls->version == "TLSv1.3");
        CHECK(r.certificate.has_value());
        CHECK(r.ehlo_after_tls.empty());
    }

    TEST_CASE("plaintext right after the 220 to STARTTLS → protocol_error, flagged (TLS-4)") {
        smtp_script s = script();
        s.misbehave = misbehaviour::plaintext_after_starttls;
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::protocol_error);
        CHECK(r.failed_phase == phase::starttls);
        CHECK(r.plaintext_after_starttls);
        CHECK(r.starttls_accepted);
        CHECK_FALSE(r.tls.has_value());
        CHECK(server.handshakes() == 0); // the probe never started TLS on a dirty buffer
        CHECK(server.verbs() == strings{"EHLO", "STARTTLS"});
    }

    TEST_CASE("a closed port → connection_refused in phase connect") {
        asio::io_context io;
        asio::ip::tcp::acceptor probe_port(io, {asio::ip::make_address("127.0.0.1"), 0});
        const asio::ip::tcp::endpoint closed = probe_port.local_endpoint();
        probe_port.close();
        asio::ssl::context tls = untrusting_context();
        const auto [r, took] = run_session(closed, options(1000ms), tls);
        CHECK(r.outcome == status::connection_refused);
        CHECK(r.failed_phase == phase::connect);
        CHECK(r.banner_code == 0);
    }

    TEST_CASE("a TLS 1.0-only server is recorded as TLSv1 by the default context") {
        smtp_script s = script();
        s.tls.min_version = TLS1_VERSION;
        s.tls.max_version = TLS1_VERSION;
        s.tls.security_level = 0;
        s.tls.cipher_list = "DEFAULT:@SECLEVEL=0";
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::success);
        REQUIRE(r.tls.has_value());
        CHECK(r.tls->version == "TLSv1");
        MESSAGE("TLS 1.0 cipher: " << r.tls->cipher);
    }

    TEST_CASE("an RSA-1024 server key completes the handshake and key_bits 1024 is recorded") {
        // The fake server in this process must decrypt an RSA key exchange, which OpenSSL's
        // built-in key methods cannot do (probe/direct_key_decoding.hpp); the client's side of
        // it, encrypting to the server's key, works either way.
        const probe::direct_key_decoding_pause pause;
        mxprobe_test::cert_spec spec{.common_name = "mx.test", .dns_names = {"mx.test"}};
        spec.key = mxprobe_test::key_kind::rsa;
        spec.rsa_bits = 1024;
        const mxprobe_test::issued weak = mx_pki().pki.leaf(spec);
        smtp_script s = script();
        s.tls.cert_chain_pem = weak.cert_pem() + mx_pki().pki.intermediate.cert_pem();
        s.tls.key_pem = weak.key_pem();
        s.tls.security_level = 0;
        s.tls.max_version = TLS1_2_VERSION;
        s.tls.cipher_list = "AES128-GCM-SHA256:@SECLEVEL=0"; // RSA key exchange: no forward secrecy
        fake_smtp_server server(s);
        const auto [r, took] = run_session(server, patient());
        CHECK(r.outcome == status::success);
        REQUIRE(r.tls.has_value());
        REQUIRE_FALSE(r.tls->chain.empty());
        CHECK(r.tls->chain[0].key_type == "RSA");
        CHECK(r.tls->chain[0].key_bits == 1024);
        CHECK(r.tls->cipher == "AES128-GCM-SHA256");
        CHECK_FALSE(r.tls->forward_secrecy);
        CHECK(r.tls->group.empty());
    }

    TEST_CASE("the fake server's destructor returns while a client is mid-session") {
        smtp_script s = script();
        s.bytes_per_second = 1;
        const auto started = std::chrono::steady_clock::now();
        {
            fake_smtp_server server(s);
            asio::io_context io;
            asio::ip::tcp::socket client(io);
            client.connect(server.endpoint());
            std::array<char, 1> first{};
            asio::read(client, asio::buffer(first)); // the server is now in a throttle pause
            CHECK(first[0] == '2');
        }
        CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    }

} // TEST_SUITE

TEST_SUITE("probe.enumerate") {

    // Connections async_enumerate makes here (probe/enumerate.cpp): one hand-made SSLv3
    // ClientHello; one refused handshake each for TLSv1, TLSv1.1 (protocol_version alerts) and
    // TLSv1.3; for TLSv1.2, 3 accepted + 1 refusal (handshake_failure) + 1 retry with the
    // non-elliptic suites alone + 1 order check; then the group walk at the best version
    // (TLSv1.2, ffdhe left out): 2 accepted + 1 refusal; then the hand-made 3DES/RC4 hellos at
    // TLSv1.2 (probe/legacy_walk.cpp): 1 refusal + 1 retry without the elliptic ones. 15.
    constexpr int expected_connections = 1 + 1 + 1 + (3 + 1 + 1 + 1) + 1 + (2 + 1) + (1 + 1);

    TEST_CASE("enumeration of a TLS 1.2 server with 3 suites in server order") {
        fake_smtp_server server(tls12_three_suites(true));
        const probe::enumeration_result e = run_enumerate(server);
        INFO("groups: " << joined(e.groups) << ", notes: " << joined(e.notes)
                        << ", server saw: " << joined(server.negotiated()));
        check_three_suites_found(e);
        CHECK(e.ciphers.size() == 1);
        CHECK(e.cipher_order == std::map<std::string, std::string>{{"TLSv1.2", "server"}});
        CHECK_FALSE(e.anonymous_accepted);
        CHECK(e.connections == expected_connections);
        CHECK(server.connections() == static_cast<std::size_t>(expected_connections));
        CHECK(server.handshakes() == 3 + 1 + 2);
        // Enumeration sessions send no EHLO inside TLS, and never a mail transaction.
        for (const auto& verb : server.verbs()) {
            CHECK((verb == "EHLO" || verb == "STARTTLS" || verb == "QUIT"));
        }
    }

    // A busy receiver (Exim's smtp_accept_max) greets some connections with 421 and closes.
    // Those connections are waited out and made again: what the server accepts comes out the
    // same as from an idle server, never "refused" because the server was busy.
    TEST_CASE("enumeration of a server that answers every 4th connection 421: the same result") {
        smtp_script busy = tls12_three_suites(true);
        busy.busy_every = 4;
        fake_smtp_server server(busy);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("notes: " << joined(e.notes) << ", server saw: " << joined(server.negotiated()));
        check_three_suites_found(e);
        // Every 4th connection was turned away and made again: 15 sessions cost 19.
        CHECK(e.connections == expected_connections + (expected_connections - 1) / 3);
        CHECK(server.connections() == static_cast<std::size_t>(e.connections));
    }

    TEST_CASE("enumeration of a server that follows the client's order says \"client\"") {
        fake_smtp_server server(tls12_three_suites(false));
        const probe::enumeration_result e = run_enumerate(server);
        INFO("groups: " << joined(e.groups) << ", notes: " << joined(e.notes)
                        << ", server saw: " << joined(server.negotiated()));
        CHECK(e.versions.at("TLSv1.2"));
        REQUIRE(e.ciphers.count("TLSv1.2") == 1);
        strings accepted = e.ciphers.at("TLSv1.2");
        std::sort(accepted.begin(), accepted.end());
        CHECK(accepted == strings{"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                                  "ECDHE-RSA-CHACHA20-POLY1305"});
        CHECK(e.cipher_order.at("TLSv1.2") == "client");
        CHECK(e.groups == strings{"x25519", "secp256r1"}); // the probe offers X25519 first
        CHECK(e.connections == expected_connections);
        CHECK(server.connections() == static_cast<std::size_t>(expected_connections));
    }

    // Before TLS 1.3 supported_groups also limits the curve of an ECDSA certificate (RFC 8422
    // §5.1): a server whose P-256 certificate is left out of the offer must refuse. The walk
    // then retries with an anchor group added back (probe/enumerate.cpp, async_walk_groups).
    TEST_CASE("group walk of a TLS 1.2 ECDSA server that lacks X25519 finds its other curve") {
        smtp_script s = tls12_three_suites(false, false);
        s.tls.groups = "P-256:P-384";
        fake_smtp_server server(s);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("groups: " << joined(e.groups) << ", notes: " << joined(e.notes)
                        << ", server saw: " << joined(server.negotiated()));
        CHECK(e.ciphers.at("TLSv1.2").size() == 3);
        CHECK(e.groups == strings{"secp256r1", "secp384r1"});
        // 10 before the group walk (SSLv3 included); then P-256, a refusal and its retry
        // (P-384), a refusal and its retry (P-256 again, the end); then 2 3DES/RC4 hellos.
        CHECK(e.connections == 10 + 1 + 2 + 2 + 2);
    }

    TEST_CASE("3DES and RC4 answered by hand are found and listed after OpenSSL's suites") {
        smtp_script s = tls12_three_suites(true);
        // DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA, RC4-SHA: this OpenSSL can neither offer nor
        // serve them, so the fake answers those ClientHellos itself.
        s.tls.raw_suites = {0x000A, 0xC012, 0x0005};
        fake_smtp_server server(s);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("notes: " << joined(e.notes) << ", server saw: " << joined(server.negotiated()));
        CHECK(e.versions.at("SSLv3") == false); // raw suites start at TLS 1.0
        REQUIRE(e.ciphers.count("TLSv1.2") == 1);
        CHECK(e.ciphers.at("TLSv1.2") == strings{"ECDHE-RSA-AES128-GCM-SHA256",
                                                 "ECDHE-RSA-CHACHA20-POLY1305",
                                                 "ECDHE-RSA-AES256-GCM-SHA384", "DES-CBC3-SHA",
                                                 "ECDHE-RSA-DES-CBC3-SHA", "RC4-SHA"});
        CHECK(e.cipher_order.at("TLSv1.2") == "server");
        CHECK(e.notes.empty());
        // The 13 before the hand-made hellos (see expected_connections), then 3 accepted, a
        // refusal (by OpenSSL: no shared cipher) and the retry without elliptic suites.
        CHECK(e.connections == 13 + 3 + 2);
    }

    TEST_CASE("an old server with only RC4 and 3DES before TLS 1.3 is found at TLS 1.0") {
        smtp_script s = script();
        s.tls.min_version = TLS1_3_VERSION; // what OpenSSL serves: TLS 1.3 only
        s.tls.raw_suites = {0x0005, 0x000A};
        s.tls.raw_max_version = TLS1_VERSION;
        fake_smtp_server server(s);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("notes: " << joined(e.notes) << ", server saw: " << joined(server.negotiated()));
        CHECK(e.versions.at("TLSv1") == true);
        CHECK(e.versions.at("TLSv1.1") == false); // it answers those hellos with TLS 1.0
        CHECK(e.versions.at("TLSv1.2") == false);
        CHECK(e.versions.at("TLSv1.3") == true);
        REQUIRE(e.ciphers.count("TLSv1") == 1);
        CHECK(e.ciphers.at("TLSv1") == strings{"RC4-SHA", "DES-CBC3-SHA"});
        CHECK(e.cipher_order.at("TLSv1") == "unknown"); // found by hand: no order check
        CHECK(e.ciphers.count("TLSv1.1") == 0);
        CHECK(e.notes.empty());
    }

    TEST_CASE("a DHE-only server refusing supported_groups: found without it, 1024-bit group") {
        smtp_script s = tls12_three_suites(true);
        s.tls.cipher_list = "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
        s.tls.security_level = 0;
        s.tls.dh_bits = 1024;
        s.tls.refuse_supported_groups = true; // as GnuTLS without RFC 7919 groups does
        fake_smtp_server server(s);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("notes: " << joined(e.notes) << ", server saw: " << joined(server.negotiated()));
        CHECK(e.versions.at("TLSv1.2") == true);
        REQUIRE(e.ciphers.count("TLSv1.2") == 1);
        CHECK(e.ciphers.at("TLSv1.2") ==
              strings{"DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384"});
        CHECK(e.dhe_min_bits == 1024);
        CHECK(e.groups.empty()); // no ECDHE at all
        CHECK(e.notes.empty());

        // The main probe offers ECDHE too, so it sends supported_groups and is refused.
        const auto r = run_session(server, patient()).result;
        CHECK(r.outcome == status::handshake_error);
        CHECK(r.tls_alert == 40);
    }

    TEST_CASE("an anonymous DHE suite with a 1024-bit group is anonymous, not a DHE group size") {
        smtp_script s = tls12_three_suites(true);
        s.tls.cipher_list = "ADH-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
        s.tls.security_level = 0;
        s.tls.dh_bits = 1024;
        fake_smtp_server server(s);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("notes: " << joined(e.notes) << ", server saw: " << joined(server.negotiated()));
        CHECK(e.anonymous_accepted);
        REQUIRE(e.ciphers.count("TLSv1.2") == 1);
        CHECK(e.ciphers.at("TLSv1.2").size() == 2);
        CHECK(e.dhe_min_bits == 1024); // from DHE-RSA-AES256-GCM-SHA384 alone

        s.tls.cipher_list = "ADH-AES128-GCM-SHA256";
        fake_smtp_server anonymous_only(s);
        const probe::enumeration_result only = run_enumerate(anonymous_only);
        CHECK(only.anonymous_accepted);
        CHECK(only.dhe_min_bits == 0);
    }

    TEST_CASE("DHE with a 1024-bit group: the session records the group's size") {
        smtp_script s = tls12_three_suites(true);
        s.tls.cipher_list = "DHE-RSA-AES256-GCM-SHA384";
        s.tls.security_level = 0;
        s.tls.dh_bits = 1024;
        fake_smtp_server server(s);
        const auto r = run_session(server, patient()).result;
        REQUIRE(r.tls.has_value());
        CHECK(r.tls->cipher == "DHE-RSA-AES256-GCM-SHA384");
        CHECK(r.tls->server_temp_key_type == "DH");
        CHECK(r.tls->server_temp_key_bits == 1024);
        CHECK(r.tls->server_temp_key == "DH 1024 bits");
        CHECK(r.tls->forward_secrecy);
    }

    // The walk's first group is x25519; once P-256, the certificate's curve, has been found
    // and removed, the ECDSA server refuses every offer without it, so the retry must add
    // P-256 back (not the first group found) for secp384r1 to be found.
    TEST_CASE("group walk of a TLS 1.2 ECDSA server finds every group it accepts") {
        smtp_script s = tls12_three_suites(false, false);
        s.tls.groups = "X25519:P-256:P-384";
        fake_smtp_server server(s);
        const probe::enumeration_result e = run_enumerate(server);
        INFO("groups: " << joined(e.groups) << ", notes: " << joined(e.notes)
                        << ", server saw: " << joined(server.negotiated()));
        CHECK(e.ciphers.at("TLSv1.2").size() == 3);
        CHECK(e.groups == strings{"x25519", "secp256r1", "secp384r1"});
    }

} // TEST_SUITE
