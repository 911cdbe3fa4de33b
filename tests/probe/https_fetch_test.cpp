// Loopback tests of probe::async_https_fetch, the MTA-STS policy fetch (RFC 8461 §3.3),
// against the in-process fake HTTPS server: the good path and every way a policy host can
// fail a sender, each named with its concrete reason and ending within the one deadline.
// Which RFC 8460 result type each failure becomes is policy's (sts_fetch_verdict_test).

#include "probe/https_fetch.hpp"
#include "probe/tls_context.hpp"
#include "resolver/channel.hpp"
#include "tests/support/fake_https_server.hpp"
#include "tests/support/test_certs.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

namespace probe {
inline doctest::String
toString(fetch_failure f) { // NOLINT(readability-identifier-naming): doctest's name
    return doctest::String(std::string(to_string(f)).c_str());
}
} // namespace probe

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using mxprobe_test::fake_https_server;
using mxprobe_test::http_response;
using mxprobe_test::https_script;
using probe::fetch_failure;

constexpr const char* policy_host = "mta-sts.example.test";
constexpr const char* policy_body =
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n";

struct policy_pki_t {
    mxprobe_test::test_pki pki = mxprobe_test::test_pki::create();
    mxprobe_test::issued leaf = pki.leaf({.common_name = policy_host, .dns_names = {policy_host}});
    mxprobe_test::issued other_name =
        pki.leaf({.common_name = "www.example.test", .dns_names = {"www.example.test"}});
    mxprobe_test::issued expired = pki.leaf({.common_name = policy_host,
                                             .dns_names = {policy_host},
                                             .not_before_offset = -std::chrono::hours(24 * 60),
                                             .not_after_offset = -std::chrono::hours(24)});
    std::string root_file = mxprobe_test::write_temp_file(pki.root.cert_pem());

    std::string chain(const mxprobe_test::issued& l) const {
        return l.cert_pem() + pki.intermediate.cert_pem();
    }
};

const policy_pki_t& policy_pki() {
    static const policy_pki_t m;
    return m;
}

https_script serving(std::string response, const mxprobe_test::issued& cert = policy_pki().leaf) {
    https_script s;
    s.cert_chain_pem = policy_pki().chain(cert);
    s.key_pem = cert.key_pem();
    s.response = std::move(response);
    return s;
}

struct timed_response {
    probe::https_response response;
    std::chrono::milliseconds took{0};
};

// Fetches from the fake on the test's thread, connecting straight to it: no DNS is asked.
timed_response fetch(const fake_https_server& server, std::chrono::milliseconds deadline = 5000ms) {
    asio::io_context io;
    resolver::channel dns(io.get_executor(),
                          resolver::channel_options{.servers = {{.ip = "127.0.0.1", .port = 9}}});
    probe::tls_client_config config;
    config.ca_file = policy_pki().root_file;
    asio::ssl::context tls = probe::make_tls_context(config);
    probe::https_fetch_options o;
    o.host = policy_host;
    o.port = server.port();
    o.deadline = deadline;
    o.allow_private = true;
    o.connect_to = asio::ip::make_address("127.0.0.1");
    std::optional<probe::https_response> out;
    std::exception_ptr failure;
    const auto started = std::chrono::steady_clock::now();
    asio::co_spawn(io, probe::async_https_fetch(dns, o, tls),
                   [&](std::exception_ptr e, probe::https_response r) {
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

} // namespace

TEST_SUITE("probe.https_fetch") {
    TEST_CASE("a 200 text/plain policy is fetched with SNI, Host and the well-known path") {
        fake_https_server server(
            serving(http_response(200, "text/plain; charset=utf-8", policy_body)));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::none);
        CHECK(r.error.empty());
        CHECK(r.status == 200);
        CHECK(r.body == policy_body);
        CHECK(r.ip == "127.0.0.1");
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->trusted);
        CHECK(r.certificate->hostname_match);
        REQUIRE(server.sni_names().size() == 1);
        CHECK(server.sni_names()[0] == policy_host);
        REQUIRE(server.requests().size() == 1);
        const std::string request = server.requests()[0];
        CHECK(request.rfind("GET /.well-known/mta-sts.txt HTTP/1.1\r\n", 0) == 0);
        CHECK(request.find(std::string("Host: ") + policy_host + "\r\n") != std::string::npos);
    }

    TEST_CASE("a redirect is refused, not followed (RFC 8461 §3.3): sts-policy-fetch-error") {
        fake_https_server server(serving(
            http_response(301, "text/html", "", "Location: https://elsewhere.example.test/p\r\n")));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::redirect);
        CHECK(r.status == 301);
        CHECK(r.location == "https://elsewhere.example.test/p");
        CHECK(r.error.find("redirect") != std::string::npos);
        CHECK(server.connections() == 1);
    }

    TEST_CASE("404 is a fetch error naming the status") {
        fake_https_server server(serving(http_response(404, "text/plain", "no such file")));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::http_status);
        CHECK(r.error == "HTTP 404 Not Found");
    }

    TEST_CASE("a body served as text/html is an invalid policy naming the media type") {
        fake_https_server server(serving(http_response(200, "text/html", policy_body)));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::media_type);
        CHECK(r.error.find("text/html") != std::string::npos);
    }

    TEST_CASE("a declared length over 64 KiB is refused before the body is read") {
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                 "Content-Length: 70000\r\nConnection: close\r\n\r\n";
        fake_https_server server(serving(head + std::string(1000, 'x')));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::too_large);
        CHECK(r.error.find("70000") != std::string::npos);
    }

    TEST_CASE("an endless chunked body stops at the 64 KiB limit") {
        https_script s = serving("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        s.endless_chunks = true;
        fake_https_server server(s);
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::too_large);
        CHECK(r.body.empty());
        CHECK(took < 4000ms);
    }

    TEST_CASE("a body that trickles in ends at the one deadline of the whole fetch") {
        https_script s = serving(http_response(200, "text/plain", std::string(500, 'x')));
        s.bytes_per_second = 50;
        fake_https_server server(s);
        const auto [r, took] = fetch(server, 1000ms);
        CHECK(r.failure == fetch_failure::timeout);
        CHECK(took >= 900ms);
        CHECK(took < 3000ms);
    }

    TEST_CASE("a certificate for another name is sts-webpki-invalid and nothing is requested") {
        fake_https_server server(
            serving(http_response(200, "text/plain", policy_body), policy_pki().other_name));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::certificate);
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->trusted);
        CHECK_FALSE(r.certificate->hostname_match);
        CHECK(r.error.find(policy_host) != std::string::npos);
        CHECK(server.requests().empty());
    }

    TEST_CASE("an expired certificate is sts-webpki-invalid with OpenSSL's reason") {
        fake_https_server server(
            serving(http_response(200, "text/plain", policy_body), policy_pki().expired));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::certificate);
        REQUIRE(r.certificate.has_value());
        CHECK(r.certificate->expired);
        CHECK(r.error.find("expired") != std::string::npos);
    }

    TEST_CASE("nothing listening is a connect error") {
        std::uint16_t closed_port = 0;
        {
            fake_https_server gone(serving(""));
            closed_port = gone.port();
        }
        asio::io_context io;
        resolver::channel dns(io.get_executor(), resolver::channel_options{
                                                     .servers = {{.ip = "127.0.0.1", .port = 9}}});
        probe::tls_client_config config;
        config.ca_file = policy_pki().root_file;
        asio::ssl::context tls = probe::make_tls_context(config);
        probe::https_fetch_options o;
        o.host = policy_host;
        o.port = closed_port;
        o.allow_private = true;
        o.connect_to = asio::ip::make_address("127.0.0.1");
        std::optional<probe::https_response> out;
        asio::co_spawn(
            io, probe::async_https_fetch(dns, o, tls),
            [&](const std::exception_ptr&, probe::https_response r) { out = std::move(r); });
        io.run();
        REQUIRE(out.has_value());
        CHECK(out->failure == fetch_failure::connect);
        CHECK(out->error.find("127.0.0.1") != std::string::npos);
    }
}
