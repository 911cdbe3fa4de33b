// Table tests of the `--resolver IP[:PORT]` syntax.

#include "resolver/server_address.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace {

struct good_case {
    std::string text;
    std::string ip;
    std::uint16_t port;
    bool is_ipv6;
};

} // namespace

TEST_SUITE("tools.server_address") {

    TEST_CASE("numeric IPv4 and IPv6 servers parse, with port 53 unless one is given") {
        const std::vector<good_case> cases = {
            {"127.0.0.1", "127.0.0.1", 53, false},
            {"127.0.0.1:5353", "127.0.0.1", 5353, false},
            {"192.0.2.254:65535", "192.0.2.254", 65535, false},
            {"127.0.0.1:1", "127.0.0.1", 1, false},
            {"::1", "::1", 53, true},
            {"[::1]", "::1", 53, true},
            {"[::1]:5353", "::1", 5353, true},
            {"2001:db8::53", "2001:db8::53", 53, true},
            {"[2001:db8::53]:853", "2001:db8::53", 853, true},
        };
        for (const auto& c : cases) {
            CAPTURE(c.text);
            auto r = resolver::parse_server_address(c.text);
            REQUIRE_MESSAGE(r.has_value(), r.error());
            CHECK(r->ip == c.ip);
            CHECK(r->port == c.port);
            CHECK(r->is_ipv6 == c.is_ipv6);
        }
    }

    TEST_CASE("malformed servers are rejected with a message") {
        const std::vector<std::string> bad = {
            "",                // nothing
            "1.2.3",           // three octets
            "127.0.0.1:0",     // port 0
            "127.0.0.1:65536", // port out of range
            "[::1",            // unclosed bracket
            "host.example",    // names are not resolved here
            "127.0.0.1:abc",   // non-numeric port
            "127.0.0.1:",      // empty port
            "[::1]:",          // empty port after brackets
            "::1:5353x",       // not an address
            "256.0.0.1",       // octet out of range
            " 127.0.0.1",      // stray whitespace
            "[::1]5353",       // missing colon after bracket
        };
        for (const auto& text : bad) {
            CAPTURE(text);
            auto r = resolver::parse_server_address(text);
            REQUIRE_FALSE(r.has_value());
            CHECK_FALSE(r.error().empty());
        }
    }

} // TEST_SUITE
