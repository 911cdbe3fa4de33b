#include "probe/sslv3_hello.hpp"
#include "tests/support/raw_bytes.hpp"

#include <cstdint>
#include <string>

#include <doctest/doctest.h>

namespace {

std::uint8_t at(const std::string& s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

using mxprobe_test::byte_string;

} // namespace

TEST_SUITE("probe.sslv3_hello") {

    TEST_CASE("the ClientHello is one SSLv3 handshake record whose lengths add up") {
        const std::string hello = probe::sslv3_client_hello();
        REQUIRE(hello.size() > 9 + 2 + 32 + 1 + 2 + 2);
        CHECK(at(hello, 0) == 0x16);                           // handshake record
        CHECK((at(hello, 1) == 0x03 && at(hello, 2) == 0x00)); // record version 3.0
        const std::size_t record_length = (at(hello, 3) << 8) | at(hello, 4);
        CHECK(record_length == hello.size() - 5);
        CHECK(at(hello, 5) == 0x01); // ClientHello
        const std::size_t hello_length = (at(hello, 6) << 16) | (at(hello, 7) << 8) | at(hello, 8);
        CHECK(hello_length == hello.size() - 9);
        CHECK((at(hello, 9) == 0x03 && at(hello, 10) == 0x00)); // client_version 3.0
        CHECK(at(hello, 43) == 0x00);                           // no session id
        const std::size_t suites_length = (at(hello, 44) << 8) | at(hello, 45);
        CHECK(suites_length % 2 == 0);
        CHECK(suites_length > 0);
        // one compression method (null), and nothing after it: no extensions in SSLv3
        CHECK(hello.size() == 46 + suites_length + 2);
        CHECK(at(hello, 46 + suites_length) == 0x01);
        CHECK(at(hello, 47 + suites_length) == 0x00);
    }

    TEST_CASE("two ClientHellos differ in their random only") {
        const std::string a = probe::sslv3_client_hello();
        const std::string b = probe::sslv3_client_hello();
        REQUIRE(a.size() == b.size());
        CHECK(a.substr(0, 11) == b.substr(0, 11));
        CHECK(a.substr(43) == b.substr(43));
        CHECK(a.substr(11, 32) != b.substr(11, 32));
    }

    TEST_CASE("a ServerHello with version 3.0 means SSLv3 is accepted") {
        const auto reply =
            byte_string({0x16, 0x03, 0x00, 0x00, 0x4A, 0x02, 0x00, 0x00, 0x46, 0x03, 0x00});
        CHECK(probe::read_sslv3_answer(reply) == probe::sslv3_answer::accepted);
    }

    TEST_CASE("an alert, a higher version, a short or empty answer mean refused") {
        using probe::sslv3_answer;
        // protocol_version alert, as OpenSSL 3 servers send
        CHECK(probe::read_sslv3_answer(byte_string({0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 0x46})) ==
              sslv3_answer::refused);
        // a broken server answering TLS 1.2 to an SSLv3 hello does not accept SSLv3
        CHECK(probe::read_sslv3_answer(byte_string({0x16, 0x03, 0x03, 0x00, 0x4A, 0x02, 0x00, 0x00,
                                                    0x46, 0x03, 0x03})) == sslv3_answer::refused);
        CHECK(probe::read_sslv3_answer(byte_string({0x16, 0x03, 0x00})) == sslv3_answer::refused);
        CHECK(probe::read_sslv3_answer("") == sslv3_answer::refused);
        // plaintext (a server that never switched to TLS)
        CHECK(probe::read_sslv3_answer("250 2.0.0 Ok\r\n") == sslv3_answer::refused);
    }
}
