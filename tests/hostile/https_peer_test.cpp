// Hostile MTA-STS policy hosts against probe::async_https_fetch: a redirect to itself,
// chunked bodies and chunk extensions without end, header lines without end, a header that
// trickles. Each fetch ends within its one deadline or at a limit, with the reason.
// (tests/probe/https_fetch_test.cpp covers one redirect, 1 KiB chunks without end and a
// trickling body.)

#include "probe/https_fetch.hpp"
#include "resolver/channel.hpp"
#include "tests/hostile/hostile.hpp"
#include "tests/support/fake_https_server.hpp"

#include <string>

#include <boost/asio/this_coro.hpp>

namespace probe {
inline doctest::String
toString(fetch_failure f) { // NOLINT(readability-identifier-naming): doctest's name
    return doctest::String(std::string(to_string(f)).c_str());
}
} // namespace probe

namespace {

using namespace hostile;
using mxprobe_test::fake_https_server;
using mxprobe_test::https_script;
using probe::fetch_failure;

constexpr const char* policy_host = "mta-sts.example.test";
constexpr const char* chunked_head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

const mxprobe_test::issued& policy_leaf() {
    static const mxprobe_test::issued leaf =
        material().pki.leaf({.common_name = policy_host, .dns_names = {policy_host}});
    return leaf;
}

https_script serving(std::string response) {
    https_script s;
    s.cert_chain_pem = policy_leaf().cert_pem() + material().pki.intermediate.cert_pem();
    s.key_pem = policy_leaf().key_pem();
    s.response = std::move(response);
    return s;
}

// Straight to the fake: the DNS channel points at a port nobody answers and is never asked.
boost::asio::awaitable<probe::https_response> async_fetch(const fake_https_server& server,
                                                          std::chrono::milliseconds deadline) {
    auto executor = co_await boost::asio::this_coro::executor;
    resolver::channel dns(executor,
                          resolver::channel_options{.servers = {{.ip = "127.0.0.1", .port = 9}}});
    boost::asio::ssl::context tls = trusting_context();
    probe::https_fetch_options o;
    o.host = policy_host;
    o.port = server.port();
    o.deadline = deadline;
    o.allow_private = true;
    o.connect_to = boost::asio::ip::make_address("127.0.0.1");
    co_return co_await probe::async_https_fetch(dns, o, tls);
}

finished<probe::https_response> fetch(const fake_https_server& server,
                                      std::chrono::milliseconds deadline = 5000ms) {
    return run(async_fetch(server, deadline));
}

} // namespace

TEST_SUITE("hostile.https") {

    TEST_CASE("a redirect to itself is refused once, never followed into a loop") {
        const std::string self = "https://" + std::string(policy_host) + "/.well-known/mta-sts.txt";
        fake_https_server server(serving("HTTP/1.1 301 Moved Permanently\r\nLocation: " + self +
                                         "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::redirect);
        CHECK(r.location == self);
        CHECK(r.error.find("must not be followed") != std::string::npos);
        CHECK(server.connections() == 1);
        CHECK(server.requests().size() == 1);
    }

    TEST_CASE("endless one-byte chunks stop at the 64 KiB body limit" * doctest::timeout(20)) {
        // Six bytes on the wire per body byte: the limit counts body bytes, not framing.
        https_script s = serving(chunked_head);
        s.endless = "1\r\nx\r\n";
        fake_https_server server(s);
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::too_large);
        CHECK(r.body.empty());
        CHECK(took < 4000ms);
    }

    TEST_CASE("a chunk extension without end is refused at the 64 KiB read buffer, at once" *
              doctest::timeout(20)) {
        // Beast keeps a chunk header whole until its CR LF: without a cap on its buffer the
        // fetch waited for the deadline while a fast server kept sending.
        https_script s = serving(std::string(chunked_head) + "10;ext=");
        s.endless = "a";
        fake_https_server server(s);
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::protocol);
        CHECK(r.error == "reading the body: a chunk header longer than 65536 bytes");
        CHECK(took < 2000ms); // the deadline is 5 s
    }

    TEST_CASE("header lines without end stop at the 16 KiB header limit" * doctest::timeout(20)) {
        https_script s = serving("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
        s.endless = "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        fake_https_server server(s);
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::protocol);
        CHECK(r.error == "reading the response header: header limit exceeded");
        CHECK(took < 4000ms);
    }

    TEST_CASE("one header line without end stops at the header limit too" * doctest::timeout(20)) {
        https_script s = serving("HTTP/1.1 200 OK\r\nX-Long: ");
        s.endless = "b";
        fake_https_server server(s);
        const auto [r, took] = fetch(server);
        CHECK(r.failure == fetch_failure::protocol);
        CHECK(r.error.find("reading the response header") != std::string::npos);
        CHECK(took < 4000ms);
    }

    TEST_CASE("a header that trickles in ends at the one deadline of the whole fetch" *
              doctest::timeout(20)) {
        https_script s =
            serving(mxprobe_test::http_response(200, "text/plain", "version: STSv1\n"));
        s.bytes_per_second = 20; // each byte well within any per-read timeout
        fake_https_server server(s);
        const auto [r, took] = fetch(server, 1000ms);
        CHECK(r.failure == fetch_failure::timeout);
        CHECK(r.error.find("reading the response header") != std::string::npos);
        CHECK(r.status == 0);
        CHECK(took >= 900ms);
        CHECK(took < 3000ms);
    }
}
