// Pure tests of the DNS wire reader: header fields, question skipping, answer records and
// compressed names, including the hostile shapes a resolver must reject without hanging.

#include "resolver/wire.hpp"
#include "tests/support/dns_packet_builder.hpp"

#include <string>

#include <doctest/doctest.h>

using namespace mxprobe_test;
using resolver::canonical_name;
using resolver::parse_message;
using resolver::read_name;

namespace {

// A header plus one question for example.test/MX, so names written after it start at 30.
wire_writer with_question(std::uint16_t answers = 0) {
    wire_writer w;
    w.raw(header(0x4242, flag::qr | flag::rd | flag::ra, rcode::noerror, 1, answers));
    w.name("example.test").u16(qtype::mx).u16(1);
    return w;
}

constexpr std::size_t qname_offset = 12;

} // namespace

TEST_SUITE("resolver.wire") {

    TEST_CASE("header fields are read: id, QR, TC, AD and RCODE") {
        auto msg = dns_packet_builder()
                       .id(0x1234)
                       .set_flag(flag::tc)
                       .set_flag(flag::ad)
                       .rcode(rcode::nxdomain)
                       .question("example.test", qtype::a)
                       .build();
        auto m = parse_message(msg);
        REQUIRE_MESSAGE(m.has_value(), m.error().message);
        CHECK(m->id == 0x1234);
        CHECK(m->is_response);
        CHECK(m->truncated);
        CHECK(m->authentic_data);
        CHECK(m->rcode == rcode::nxdomain);
        CHECK(m->answers.empty());
    }

    TEST_CASE("a query (QR=0, no AD, no TC) is read as such") {
        auto msg = header(7, flag::rd, rcode::noerror, 0, 0);
        auto m = parse_message(msg);
        REQUIRE(m.has_value());
        CHECK_FALSE(m->is_response);
        CHECK_FALSE(m->truncated);
        CHECK_FALSE(m->authentic_data);
        CHECK(m->rcode == 0);
    }

    TEST_CASE("answer records keep owner (lower-cased), type, class, TTL and RDATA position") {
        auto msg = dns_packet_builder()
                       .question("Example.Test", qtype::a)
                       .a("WWW.Example.TEST", "192.0.2.7", 3600)
                       .aaaa("www.example.test", "2001:db8::7", 60)
                       .build();
        auto m = parse_message(msg);
        REQUIRE_MESSAGE(m.has_value(), m.error().message);
        REQUIRE(m->answers.size() == 2);
        const auto& a = m->answers[0];
        CHECK(a.owner == "www.example.test");
        CHECK(a.type == qtype::a);
        CHECK(a.rr_class == 1);
        CHECK(a.ttl == 3600);
        REQUIRE(a.rdata_length == 4);
        REQUIRE(a.rdata_offset + 4 <= msg.size());
        CHECK(msg[a.rdata_offset] == 192);
        CHECK(msg[a.rdata_offset + 3] == 7);
        CHECK(m->answers[1].type == qtype::aaaa);
        CHECK(m->answers[1].ttl == 60);
        CHECK(m->answers[1].rdata_length == 16);
    }

    TEST_CASE("compressed owner names resolve to the full name") {
        auto msg = dns_packet_builder()
                       .compress()
                       .question("example.test", qtype::mx)
                       .mx("example.test", 10, "mx1.example.test")
                       .mx("example.test", 20, "mx2.example.test")
                       .build();
        auto m = parse_message(msg);
        REQUIRE_MESSAGE(m.has_value(), m.error().message);
        REQUIRE(m->answers.size() == 2);
        CHECK(m->answers[0].owner == "example.test");
        CHECK(m->answers[1].owner == "example.test");
        // With compression the owner is a 2-byte pointer: 12 header + 18 question + 2 + 10.
        CHECK(m->answers[0].rdata_offset == 42);
    }

    TEST_CASE("authority and additional sections are not read, even when they are garbage") {
        auto msg = dns_packet_builder()
                       .question("example.test", qtype::a)
                       .a("example.test", "192.0.2.1")
                       .trailing({0xff, 0xff, 0xff})
                       .build();
        msg[9] = 1; // NSCOUNT = 1, pointing at the garbage
        auto m = parse_message(msg);
        REQUIRE_MESSAGE(m.has_value(), m.error().message);
        CHECK(m->answers.size() == 1);
    }

    TEST_CASE("messages shorter than a header are rejected") {
        for (std::size_t n : {0U, 1U, 11U}) {
            CAPTURE(n);
            bytes msg(n, 0);
            auto m = parse_message(msg);
            REQUIRE_FALSE(m.has_value());
            CHECK_FALSE(m.error().message.empty());
        }
    }

    TEST_CASE("a question that runs past the end is rejected") {
        auto msg = with_question().take();
        msg.resize(msg.size() - 3); // cut inside QTYPE/QCLASS
        CHECK_FALSE(parse_message(msg).has_value());
        bytes only_header = header(1, flag::qr, 0, 1, 0);
        CHECK_FALSE(parse_message(only_header).has_value());
    }

    TEST_CASE("an answer count larger than the records present is an error") {
        auto msg = dns_packet_builder()
                       .question("example.test", qtype::a)
                       .a("example.test", "192.0.2.1")
                       .answer_count(3)
                       .build();
        auto m = parse_message(msg);
        REQUIRE_FALSE(m.has_value());
        CHECK_FALSE(m.error().message.empty());
        CHECK(m.error().offset <= msg.size());
    }

    TEST_CASE("RDATA running past the end of the message is an error") {
        auto w = with_question(1);
        w.name("example.test").u16(qtype::a).u16(1).u32(300).u16(4).u8(192).u8(0);
        auto msg = w.take();
        auto m = parse_message(msg);
        REQUIRE_FALSE(m.has_value());
        CHECK_FALSE(m.error().message.empty());
    }

    TEST_CASE("a record header cut short after the owner name is an error") {
        auto w = with_question(1);
        w.name("example.test").u16(qtype::a).u16(1).u8(0);
        auto msg = w.take();
        CHECK_FALSE(parse_message(msg).has_value());
    }

    TEST_CASE("read_name reads an uncompressed name and advances past it") {
        auto msg = with_question().take();
        std::size_t offset = qname_offset;
        auto name = read_name(msg, offset);
        REQUIRE_MESSAGE(name.has_value(), name.error().message);
        CHECK(*name == "example.test");
        CHECK(offset == qname_offset + 14);
    }

    TEST_CASE("read_name reads the root as the empty string") {
        wire_writer w;
        w.raw(header(1, flag::qr, 0, 0, 0)).u8(0);
        auto msg = w.take();
        std::size_t offset = 12;
        auto name = read_name(msg, offset);
        REQUIRE(name.has_value());
        CHECK(*name == "");
        CHECK(offset == 13);
    }

    TEST_CASE("a compression pointer counts two bytes and resolves to the earlier name") {
        auto w = with_question();
        const std::size_t start = w.size();
        w.label("mail").pointer(qname_offset);
        const std::size_t chained = w.size();
        w.pointer(static_cast<std::uint16_t>(start)); // a pointer to a name that itself points
        auto msg = w.take();

        std::size_t offset = start;
        auto name = read_name(msg, offset);
        REQUIRE_MESSAGE(name.has_value(), name.error().message);
        CHECK(*name == "mail.example.test");
        CHECK(offset == start + 5 + 2);

        offset = chained;
        name = read_name(msg, offset);
        REQUIRE_MESSAGE(name.has_value(), name.error().message);
        CHECK(*name == "mail.example.test");
        CHECK(offset == chained + 2);
    }

    TEST_CASE("compression loops are errors, not hangs") {
        SUBCASE("a pointer to itself") {
            auto w = with_question();
            const auto at = static_cast<std::uint16_t>(w.size());
            w.pointer(at);
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("a label followed by a pointer back to that label") {
            auto w = with_question();
            const auto at = static_cast<std::uint16_t>(w.size());
            w.label("a").pointer(at);
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("two pointers pointing at each other") {
            auto w = with_question();
            const auto at = static_cast<std::uint16_t>(w.size());
            w.pointer(static_cast<std::uint16_t>(at + 2)).pointer(at);
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
            offset = at + 2;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("a looping owner name makes the whole message an error") {
            auto w = with_question(1);
            const auto at = static_cast<std::uint16_t>(w.size());
            w.label("x").pointer(at).u16(qtype::a).u16(1).u32(1).u16(4).u32(0x7f000001);
            auto msg = w.take();
            CHECK_FALSE(parse_message(msg).has_value());
        }
    }

    TEST_CASE("forward pointers are rejected") {
        auto w = with_question();
        const std::size_t at = w.size();
        w.pointer(static_cast<std::uint16_t>(at + 2)).name("later.test");
        auto msg = w.take();
        std::size_t offset = at;
        CHECK_FALSE(read_name(msg, offset).has_value());
    }

    TEST_CASE("malformed names are rejected") {
        SUBCASE("pointer beyond the message") {
            auto w = with_question();
            const std::size_t at = w.size();
            w.pointer(0x3000);
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("pointer cut after its first byte") {
            auto w = with_question();
            const std::size_t at = w.size();
            w.u8(0xc0);
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("label running past the end") {
            auto w = with_question();
            const std::size_t at = w.size();
            w.u8(10).u8('a').u8('b');
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("no terminating root label") {
            auto w = with_question();
            const std::size_t at = w.size();
            w.label("mail");
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("reserved label types 01 and 10") {
            for (std::uint8_t first : {std::uint8_t{0x41}, std::uint8_t{0x81}}) {
                CAPTURE(int{first});
                auto w = with_question();
                const std::size_t at = w.size();
                w.u8(first).u8('a').u8(0);
                auto msg = w.take();
                std::size_t offset = at;
                CHECK_FALSE(read_name(msg, offset).has_value());
            }
        }
        SUBCASE("offset outside the message") {
            auto msg = with_question().take();
            std::size_t offset = msg.size();
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
    }

    TEST_CASE("non-printable label bytes are escaped as \\DDD") {
        auto w = with_question();
        const std::size_t at = w.size();
        w.label(std::string("a\x00", 2) + "\x07" + "b").label("\xff").pointer(qname_offset);
        auto msg = w.take();
        std::size_t offset = at;
        auto name = read_name(msg, offset);
        REQUIRE_MESSAGE(name.has_value(), name.error().message);
        CHECK(*name == "a\\000\\007b.\\255.example.test");
    }

    TEST_CASE("a name of exactly 255 wire bytes is accepted, 256 is rejected") {
        const std::string l63(63, 'a');
        SUBCASE("255 bytes") {
            wire_writer w;
            w.raw(header(1, flag::qr, 0, 0, 0));
            w.label(l63).label(l63).label(l63).label(std::string(61, 'b')).u8(0);
            auto msg = w.take();
            std::size_t offset = 12;
            auto name = read_name(msg, offset);
            REQUIRE_MESSAGE(name.has_value(), name.error().message);
            CHECK(name->size() == 253);
            CHECK(offset == 12 + 255);
        }
        SUBCASE("256 bytes") {
            wire_writer w;
            w.raw(header(1, flag::qr, 0, 0, 0));
            w.label(l63).label(l63).label(l63).label(std::string(62, 'b')).u8(0);
            auto msg = w.take();
            std::size_t offset = 12;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
        SUBCASE("over 255 bytes only after following pointers") {
            wire_writer w;
            w.raw(header(1, flag::qr, 0, 0, 0));
            w.label(l63).label(l63).u8(0); // 129 bytes at 12
            const std::size_t at = w.size();
            w.label(l63).label(l63).pointer(12); // 128 + 129 = 257 bytes in all
            auto msg = w.take();
            std::size_t offset = at;
            CHECK_FALSE(read_name(msg, offset).has_value());
        }
    }

    TEST_CASE("canonical_name lower-cases ASCII and drops one trailing dot") {
        CHECK(canonical_name("Example.COM.") == "example.com");
        CHECK(canonical_name("mx1.example.com") == "mx1.example.com");
        CHECK(canonical_name("MiXeD.Example") == "mixed.example");
        CHECK(canonical_name(".") == "");
        CHECK(canonical_name("") == "");
        CHECK(canonical_name("a..") == "a.");
        CHECK(canonical_name("\xC3\x89.test") == "\xC3\x89.test");
    }

} // TEST_SUITE
