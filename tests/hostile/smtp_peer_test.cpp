// Hostile SMTP servers against probe::async_smtp_session and probe::async_enumerate: replies
// that trickle, never end, or hide a 10 MiB line, plaintext slipped in after STARTTLS. Each
// session must end at its phase deadline or at a reply limit, with an error naming the phase,
// and keep what it learnt before. (tests/probe/smtp_session_test.cpp covers the simpler
// cases: a slow greeting and EHLO, an endless EHLO, a 1 MiB greeting, plaintext in the same
// write as the 220.)

#include "probe/enumerate.hpp"
#include "tests/hostile/hostile.hpp"
#include "tests/support/fake_smtp_server.hpp"

#include <string>

namespace {

using namespace hostile;
using mxprobe_test::fake_smtp_server;
using mxprobe_test::misbehaviour;
using mxprobe_test::smtp_script;
using probe::phase;
using probe::status;

finished<probe::session_result> smtp_peer_session(const fake_smtp_server& server,
                                                  probe::session_options options) {
    static boost::asio::ssl::context tls = trusting_context();
    return run(probe::async_smtp_session(server.endpoint(), "mx.test", std::move(options), tls));
}

} // namespace

TEST_SUITE("hostile.smtp") {

    TEST_CASE("a reply trickled at 5 bytes/s ends at the phase deadline, not a per-read one" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.bytes_per_second = 5; // a byte every 200 ms: each read alone would be in time
        s.throttle_banner = false;
        fake_smtp_server server(s);
        const auto [r, took] = smtp_peer_session(server, deadlines(1000ms));
        CHECK(r.outcome == status::io_timeout);
        CHECK(r.failed_phase == phase::ehlo);
        CHECK(r.error == "no complete reply before the deadline");
        CHECK(r.banner_code == 220); // the greeting, read before, is kept
        CHECK(took >= 900ms);
        CHECK(took < 3000ms);
    }

    TEST_CASE("one byte per second inside TLS → post_tls_error in phase post_tls_ehlo, TLS kept" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.tls_bytes_per_second = 1;
        fake_smtp_server server(s);
        const auto [r, took] = smtp_peer_session(server, deadlines(1000ms));
        CHECK(r.outcome == status::post_tls_error);
        CHECK(r.failed_phase == phase::post_tls_ehlo);
        CHECK(r.error == "no complete reply before the deadline");
        REQUIRE(r.tls.has_value());
        CHECK(r.tls->version == "TLSv1.3");
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->trusted);
        CHECK(took < 4000ms);
    }

    TEST_CASE("endless 220- continuation lines → protocol_error in phase banner, quickly" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::endless_banner;
        fake_smtp_server server(s);
        const auto [r, took] = smtp_peer_session(server, deadlines(5000ms));
        CHECK(r.outcome == status::protocol_error);
        CHECK(r.failed_phase == phase::banner);
        CHECK(r.error == probe::to_string(probe::reply_error::too_many_lines));
        CHECK(took < 2000ms);
    }

    TEST_CASE("endless continuation lines inside TLS → post_tls_error, too many lines" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::endless_ehlo_after_tls;
        fake_smtp_server server(s);
        const auto [r, took] = smtp_peer_session(server, deadlines(5000ms));
        CHECK(r.outcome == status::post_tls_error);
        CHECK(r.failed_phase == phase::post_tls_ehlo);
        CHECK(r.error == probe::to_string(probe::reply_error::too_many_lines));
        CHECK(r.tls.has_value());
        CHECK(took < 3000ms);
    }

    TEST_CASE("a 10 MiB EHLO line → line too long after 4 KiB, memory stays flat" *
              doctest::timeout(20)) {
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::huge_ehlo_line;
        fake_smtp_server server(s);
        const std::size_t before = resident_bytes();
        const auto [r, took] = smtp_peer_session(server, deadlines(5000ms));
        const std::size_t after = resident_bytes();
        CHECK(r.outcome == status::protocol_error);
        CHECK(r.failed_phase == phase::ehlo);
        CHECK(r.error == probe::to_string(probe::reply_error::line_too_long));
        CHECK(r.banner_code == 220);
        CHECK(after < before + memory_slack);
        CHECK(took < 2000ms);
    }

    TEST_CASE("plaintext 50 ms after the 220 to STARTTLS → handshake_error, not a hang" *
              doctest::timeout(20)) {
        // It arrives after the probe found its buffer empty, so the TLS layer reads it as a
        // record: OpenSSL must refuse it as such.
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::plaintext_after_starttls_later;
        fake_smtp_server server(s);
        const auto [r, took] = smtp_peer_session(server, deadlines(2000ms));
        CHECK(r.outcome == status::handshake_error);
        CHECK(r.failed_phase == phase::handshake);
        CHECK(r.starttls_accepted);
        CHECK_FALSE(r.tls.has_value());
        CHECK_FALSE(r.error.empty());
        MESSAGE("OpenSSL on plaintext as a record: " << r.error);
        CHECK(server.handshakes() == 0);
        CHECK(took < 2000ms);
    }

    TEST_CASE("enumeration against a tarpit stops after the first timeout and names its phase" *
              doctest::timeout(30)) {
        smtp_script s = mx_script();
        s.bytes_per_second = 1;
        fake_smtp_server server(s);
        const auto [r, took] =
            run(probe::async_enumerate(server.endpoint(), "mx.test", deadlines(500ms)));
        CHECK(r.connections <= 2); // SSLv3 raw hello, then the first TLS version: then it stops
        REQUIRE(r.notes.size() == 1);
        CHECK(r.notes.front().find("io_timeout in phase banner") != std::string::npos);
        for (const auto& version : r.versions) {
            CHECK_MESSAGE(!version.second, version.first);
        }
        CHECK(took < 5000ms);
    }

    TEST_CASE("enumeration against an endless greeting ends at the reply limits, quickly" *
              doctest::timeout(30)) {
        smtp_script s = mx_script();
        s.misbehave = misbehaviour::endless_banner;
        fake_smtp_server server(s);
        const auto [r, took] =
            run(probe::async_enumerate(server.endpoint(), "mx.test", deadlines(5000ms)));
        CHECK(r.connections <= 2);
        REQUIRE(r.notes.size() == 1);
        CHECK(r.notes.front().find("protocol_error in phase banner") != std::string::npos);
        CHECK(took < 5000ms);
    }
}
