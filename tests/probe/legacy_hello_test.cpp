// The hand-made ClientHellos for suites OpenSSL cannot offer, and the reading of the
// server's answer: pure functions, checked byte by byte.

#include "probe/legacy_hello.hpp"
#include "probe/openssl_ptr.hpp"
#include "tests/support/client_hello.hpp"
#include "tests/support/raw_bytes.hpp"

#include <algorithm>
#include <string>

#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

using probe::hello_answer_kind;

using mxprobe_test::byte_string;

bool offers(const mxprobe_test::client_hello& h, std::uint16_t suite) {
    return std::find(h.suites.begin(), h.suites.end(), suite) != h.suites.end();
}

} // namespace

TEST_SUITE("probe.legacy_hello") {

    TEST_CASE("every suite listed as unknown to OpenSSL really is refused by its cipher lists") {
        const auto unknown = probe::suites_unknown_to_openssl();
        const probe::ssl_ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
        REQUIRE(ctx != nullptr);
        for (const auto& s : unknown) {
            CAPTURE(s.name);
            // If OpenSSL knew it, the normal enumeration would offer it (and this walk must not).
            CHECK(SSL_CTX_set_cipher_list(ctx.get(), (s.name + ":@SECLEVEL=0").c_str()) == 0);
            CHECK((s.name.find("DES-CBC3") != std::string::npos ||
                   s.name.find("RC4") != std::string::npos));
            CHECK(s.standard.rfind("TLS_", 0) == 0);
        }
        ERR_clear_error();
        // Debian 12's OpenSSL 3.0 has no 3DES or RC4 suite at all: all 13 are walked by hand.
        CHECK(unknown.size() == 13);
    }

    TEST_CASE("a TLS 1.2 hello: one record, the suites plus the SCSV, SNI, signature_algorithms") {
        const std::string hello = probe::legacy_client_hello(
            TLS1_2_VERSION, {0x000A, 0xC012, 0x0005}, "mx-exim-3des.lab.test.");
        REQUIRE(mxprobe_test::record_bytes_missing(hello) == 0);
        const auto parsed = mxprobe_test::parse_client_hello(hello);
        REQUIRE(parsed.has_value());
        CHECK(parsed->record_version == 0x0301);
        CHECK(parsed->version == 0x0303);
        CHECK(parsed->suites == std::vector<std::uint16_t>{0x000A, 0xC012, 0x0005, 0x00FF});
        CHECK(parsed->server_name == "mx-exim-3des.lab.test"); // no trailing dot in SNI
        CHECK(parsed->has_extension(0x000D));
        // An elliptic suite is offered, so the curves are named.
        CHECK(parsed->has_extension(0x000A));
        CHECK(parsed->has_extension(0x000B));
        CHECK(parsed->groups == std::vector<std::uint16_t>{0x001D, 0x0017, 0x0018, 0x0019});
    }

    TEST_CASE("without an elliptic suite there is no supported_groups, before 1.2 no sigalgs") {
        const std::string hello =
            probe::legacy_client_hello(TLS1_VERSION, {0x000A, 0x0016, 0x0005}, "mx.test");
        const auto parsed = mxprobe_test::parse_client_hello(hello);
        REQUIRE(parsed.has_value());
        CHECK(parsed->version == 0x0301);
        CHECK(offers(*parsed, 0x0016));
        CHECK_FALSE(parsed->has_extension(0x000A));
        CHECK_FALSE(parsed->has_extension(0x000B));
        CHECK_FALSE(parsed->has_extension(0x000D));
        CHECK(parsed->has_extension(0x0000));
    }

    TEST_CASE("an IP literal is not sent as SNI, with nothing to say, no extensions at all") {
        for (const char* host : {"127.0.0.53", "::1", ""}) {
            CAPTURE(host);
            const auto parsed = mxprobe_test::parse_client_hello(
                probe::legacy_client_hello(TLS1_1_VERSION, {0x000A}, host));
            REQUIRE(parsed.has_value());
            CHECK(parsed->server_name.empty());
            CHECK(parsed->extensions.empty());
        }
    }

    TEST_CASE("a ServerHello is read for its version and suite, byte by byte until it can be") {
        const std::string reply = mxprobe_test::server_hello_record(0x0303, 0xC012);
        for (std::size_t n = 0; n < reply.size(); ++n) {
            const std::string part = reply.substr(0, n);
            CAPTURE(n);
            CHECK(probe::server_hello_bytes_wanted(part) > 0);
            if (n + 1 < reply.size()) { // the last byte (compression) is not needed to read it
                CHECK(probe::read_server_hello(part).kind == hello_answer_kind::other);
            }
        }
        CHECK(probe::server_hello_bytes_wanted(reply) == 0);
        const auto answer = probe::read_server_hello(reply);
        CHECK(answer.kind == hello_answer_kind::server_hello);
        CHECK(answer.version == 0x0303);
        CHECK(answer.suite == 0xC012);
        // More bytes (the Certificate behind it) change nothing.
        CHECK(probe::read_server_hello(reply + std::string(200, '\x0B')).suite == 0xC012);
    }

    TEST_CASE("a ServerHello with a 32-byte session id still yields its suite") {
        std::string reply =
            byte_string({0x16, 0x03, 0x01, 0x00, 0x4A, 0x02, 0x00, 0x00, 0x46, 0x03, 0x01});
        reply += std::string(32, '\x11'); // random
        reply.push_back(32);
        reply += std::string(32, '\x22'); // session id
        reply += byte_string({0x00, 0x05, 0x00});
        CHECK(probe::server_hello_bytes_wanted(reply.substr(0, 44)) == 32 + 3);
        CHECK(probe::server_hello_bytes_wanted(reply) == 0);
        const auto answer = probe::read_server_hello(reply);
        CHECK(answer.kind == hello_answer_kind::server_hello);
        CHECK(answer.version == 0x0301);
        CHECK(answer.suite == 0x0005);
    }

    TEST_CASE("alerts, plaintext and broken records are told apart from a ServerHello") {
        const auto alert = probe::read_server_hello(mxprobe_test::alert_record(0x0303, 40));
        CHECK(alert.kind == hello_answer_kind::alert);
        CHECK(alert.alert == 40);
        CHECK(probe::server_hello_bytes_wanted(byte_string({0x15, 0x03, 0x03, 0x00, 0x02, 0x02})) ==
              1);
        // Plaintext decides at once: there is nothing more to wait for.
        CHECK(probe::server_hello_bytes_wanted("454 4.7.0 TLS not available\r\n") == 0);
        CHECK(probe::read_server_hello("454 4.7.0 TLS not available\r\n").kind ==
              hello_answer_kind::other);
        // A handshake record too short to hold the suite it claims is not a ServerHello.
        const std::string short_record =
            byte_string({0x16, 0x03, 0x03, 0x00, 0x06, 0x02, 0x00, 0x00, 0x02, 0x03, 0x03});
        CHECK(probe::server_hello_bytes_wanted(short_record) == 0);
        CHECK(probe::read_server_hello(short_record).kind == hello_answer_kind::other);
        // Another handshake message first (a Certificate) is not a ServerHello either.
        std::string certificate = mxprobe_test::server_hello_record(0x0303, 0x000A);
        certificate[5] = 0x0B;
        CHECK(probe::read_server_hello(certificate).kind == hello_answer_kind::other);
        CHECK(probe::read_server_hello("").kind == hello_answer_kind::other);
    }
}
