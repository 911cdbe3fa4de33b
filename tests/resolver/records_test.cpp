// Pure tests of the typed RDATA decoders, fed with hand-built responses.

#include "resolver/records.hpp"
#include "tests/support/dns_packet_builder.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace mxprobe_test;

namespace {

// Parses `msg` and returns it with its answer records; fails the test when it does not parse.
resolver::message parsed(const bytes& msg) {
    auto m = resolver::parse_message(msg);
    REQUIRE_MESSAGE(m.has_value(), m.error().message);
    return *m;
}

// A response with one hand-written answer record whose RDATA is `rdata`, declared with
// `rdlength` (which may lie), followed by `after`.
bytes one_record(std::uint16_t type, const bytes& rdata, std::uint16_t rdlength,
                 const bytes& after = {}) {
    wire_writer w;
    w.raw(header(1, flag::qr | flag::rd | flag::ra, rcode::noerror, 1, 1));
    w.name("example.test").u16(type).u16(1);
    w.pointer(12).u16(type).u16(1).u32(300).u16(rdlength).raw(rdata).raw(after);
    return w.take();
}

} // namespace

TEST_SUITE("resolver.records") {

    TEST_CASE("MX: preference and exchange, also when the exchange is compressed") {
        for (bool compressed : {false, true}) {
            CAPTURE(compressed);
            auto msg = dns_packet_builder()
                           .compress(compressed)
                           .question("example.test", qtype::mx)
                           .mx("example.test", 10, "mx1.example.test")
                           .mx("example.test", 65535, "backup.example.net")
                           .build();
            auto m = parsed(msg);
            REQUIRE(m.answers.size() == 2);
            auto first = resolver::parse_mx(msg, m.answers[0]);
            REQUIRE_MESSAGE(first.has_value(), first.error().message);
            CHECK(first->preference == 10);
            CHECK(first->host == "mx1.example.test");
            auto second = resolver::parse_mx(msg, m.answers[1]);
            REQUIRE(second.has_value());
            CHECK(second->preference == 65535);
            CHECK(second->host == "backup.example.net");
        }
    }

    TEST_CASE("MX: the null MX names the root as the empty host") {
        auto msg = dns_packet_builder()
                       .question("example.test", qtype::mx)
                       .mx("example.test", 0, ".")
                       .build();
        auto m = parsed(msg);
        auto mx = resolver::parse_mx(msg, m.answers.at(0));
        REQUIRE(mx.has_value());
        CHECK(mx->preference == 0);
        CHECK(mx->host == "");
    }

    TEST_CASE("MX: RDATA too short for the preference is an error") {
        auto msg = one_record(qtype::mx, {0x00}, 1);
        auto m = parsed(msg);
        auto mx = resolver::parse_mx(msg, m.answers.at(0));
        REQUIRE_FALSE(mx.has_value());
        CHECK_FALSE(mx.error().message.empty());
    }

    TEST_CASE("MX: an exchange name running past RDLENGTH is an error") {
        // RDLENGTH covers the preference and one byte of the name; the name goes on after it.
        auto msg = one_record(qtype::mx, {0x00, 0x0a, 0x03}, 3, {'m', 'x', '1', 0x00});
        auto m = parsed(msg);
        CHECK_FALSE(resolver::parse_mx(msg, m.answers.at(0)).has_value());
    }

    TEST_CASE("MX: a looping exchange name is an error") {
        // The exchange is a pointer to itself (offset 30 header+question, +12 RR header, +2 pref).
        auto msg = one_record(qtype::mx, {0x00, 0x0a, 0xc0, 44}, 4);
        auto m = parsed(msg);
        REQUIRE(m.answers.at(0).rdata_offset == 44 - 2);
        CHECK_FALSE(resolver::parse_mx(msg, m.answers.at(0)).has_value());
    }

    TEST_CASE("A and AAAA: addresses in text form, wrong RDATA sizes are errors") {
        auto msg = dns_packet_builder()
                       .question("example.test", qtype::a)
                       .a("example.test", "192.0.2.1")
                       .aaaa("example.test", "2001:db8::1")
                       .aaaa("example.test", "::ffff:192.0.2.1")
                       .build();
        auto m = parsed(msg);
        auto a = resolver::parse_a(msg, m.answers.at(0));
        REQUIRE(a.has_value());
        CHECK(a->address == "192.0.2.1");
        auto aaaa = resolver::parse_aaaa(msg, m.answers.at(1));
        REQUIRE(aaaa.has_value());
        CHECK(aaaa->address == "2001:db8::1");
        auto mapped = resolver::parse_aaaa(msg, m.answers.at(2));
        REQUIRE(mapped.has_value());
        CHECK(mapped->address == "::ffff:192.0.2.1");

        for (std::uint16_t n : {0, 3, 5, 16}) {
            CAPTURE(n);
            auto bad = one_record(qtype::a, bytes(n, 1), n);
            CHECK_FALSE(resolver::parse_a(bad, parsed(bad).answers.at(0)).has_value());
        }
        for (std::uint16_t n : {0, 4, 15, 17}) {
            CAPTURE(n);
            auto bad = one_record(qtype::aaaa, bytes(n, 1), n);
            CHECK_FALSE(resolver::parse_aaaa(bad, parsed(bad).answers.at(0)).has_value());
        }
    }

    TEST_CASE("a record whose RDATA lies outside the message is an error, not a read overrun") {
        auto msg = one_record(qtype::a, {192, 0, 2, 1}, 4);
        auto m = parsed(msg);
        auto rr = m.answers.at(0);
        rr.rdata_offset = msg.size() - 2; // as if RDLENGTH had not been checked
        CHECK_FALSE(resolver::parse_a(msg, rr).has_value());
        rr.rdata_length = 300;
        rr.rdata_offset = 12;
        CHECK_FALSE(resolver::parse_txt(msg, rr).has_value());
        CHECK_FALSE(resolver::parse_tlsa(msg, rr).has_value());
    }

    TEST_CASE("TXT: character-strings are joined without separator and counted") {
        auto msg = dns_packet_builder()
                       .question("example.test", qtype::txt)
                       .txt("example.test", {"v=STSv1; ", "id=20240101T000000;"})
                       .txt("example.test", {""})
                       .txt("example.test", {"v=TLSRPTv1; rua=mailto:tls@example.test"})
                       .build();
        auto m = parsed(msg);
        auto two = resolver::parse_txt(msg, m.answers.at(0));
        REQUIRE_MESSAGE(two.has_value(), two.error().message);
        CHECK(two->text == "v=STSv1; id=20240101T000000;");
        CHECK(two->strings_count == 2);
        auto empty = resolver::parse_txt(msg, m.answers.at(1));
        REQUIRE(empty.has_value());
        CHECK(empty->text == "");
        CHECK(empty->strings_count == 1);
        auto one = resolver::parse_txt(msg, m.answers.at(2));
        REQUIRE(one.has_value());
        CHECK(one->text == "v=TLSRPTv1; rua=mailto:tls@example.test");
        CHECK(one->strings_count == 1);
    }

    TEST_CASE("TXT: 2,000 bytes in 255-byte strings come back exactly") {
        std::string text;
        for (int i = 0; i < 2000; ++i) {
            text += static_cast<char>('a' + i % 26);
        }
        text[254] = '\0'; // binary-safe: an embedded NUL survives
        auto strings = split_txt(text);
        REQUIRE(strings.size() == 8);
        auto msg = dns_packet_builder()
                       .question("example.test", qtype::txt)
                       .txt("example.test", strings)
                       .build();
        auto m = parsed(msg);
        auto txt = resolver::parse_txt(msg, m.answers.at(0));
        REQUIRE(txt.has_value());
        CHECK(txt->text.size() == 2000);
        CHECK(txt->text == text);
        CHECK(txt->strings_count == 8);
    }

    TEST_CASE("TXT: a string length running past RDATA is an error") {
        // RDLENGTH 4: a 2-byte string, then a string claiming 9 bytes with only 1 inside RDATA;
        // the bytes after RDATA must not be borrowed.
        auto msg = one_record(qtype::txt, {2, 'o', 'k', 9}, 4, bytes(16, 'x'));
        auto m = parsed(msg);
        auto txt = resolver::parse_txt(msg, m.answers.at(0));
        REQUIRE_FALSE(txt.has_value());
        CHECK_FALSE(txt.error().message.empty());
    }

    TEST_CASE("TLSA: usage, selector, matching type and lower-case hex data") {
        bytes digest;
        for (int i = 0; i < 32; ++i) {
            digest.push_back(static_cast<std::uint8_t>(0xa0 + i));
        }
        auto msg = dns_packet_builder()
                       .question("_25._tcp.mx1.example.test", qtype::tlsa)
                       .tlsa("_25._tcp.mx1.example.test", 3, 1, 1, digest)
                       .tlsa("_25._tcp.mx1.example.test", 2, 0, 2, {0x00, 0x0f, 0xff})
                       .build();
        auto m = parsed(msg);
        auto t = resolver::parse_tlsa(msg, m.answers.at(0));
        REQUIRE_MESSAGE(t.has_value(), t.error().message);
        CHECK(t->usage == 3);
        CHECK(t->selector == 1);
        CHECK(t->matching_type == 1);
        CHECK(t->data_hex == "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
        auto u = resolver::parse_tlsa(msg, m.answers.at(1));
        REQUIRE(u.has_value());
        CHECK(u->usage == 2);
        CHECK(u->selector == 0);
        CHECK(u->matching_type == 2);
        CHECK(u->data_hex == "000fff");
    }

    TEST_CASE("TLSA: RDATA shorter than the three fixed fields is an error") {
        for (std::uint16_t n : {0, 1, 2}) {
            CAPTURE(n);
            auto msg = one_record(qtype::tlsa, bytes(n, 3), n, {1, 1, 0xaa});
            auto t = resolver::parse_tlsa(msg, parsed(msg).answers.at(0));
            REQUIRE_FALSE(t.has_value());
            CHECK_FALSE(t.error().message.empty());
        }
    }

    TEST_CASE("CNAME: the target, plain or compressed") {
        for (bool compressed : {false, true}) {
            CAPTURE(compressed);
            auto msg = dns_packet_builder()
                           .compress(compressed)
                           .question("www.example.test", qtype::a)
                           .cname("www.example.test", "edge.cdn.example.test")
                           .a("edge.cdn.example.test", "192.0.2.9")
                           .build();
            auto m = parsed(msg);
            auto c = resolver::parse_cname(msg, m.answers.at(0));
            REQUIRE_MESSAGE(c.has_value(), c.error().message);
            CHECK(c->target == "edge.cdn.example.test");
            CHECK(m.answers.at(1).owner == "edge.cdn.example.test");
        }
    }

    TEST_CASE("CNAME: a truncated target is an error") {
        auto msg = one_record(qtype::cname, {4, 'e', 'd'}, 3);
        CHECK_FALSE(resolver::parse_cname(msg, parsed(msg).answers.at(0)).has_value());
    }

} // TEST_SUITE
