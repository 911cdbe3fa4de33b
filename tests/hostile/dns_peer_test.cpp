// Hostile DNS servers against the resolver (c-ares on the event loop, our wire parser):
// compression loops, oversize answers, answers under another query id, RDATA cut short,
// records for a name nobody asked about. Each lookup ends promptly in a status that says what
// was wrong, and the channel keeps answering the next lookup.

#include "tests/hostile/hostile.hpp"
#include "tests/support/resolver_harness.hpp"

#include <atomic>
#include <string>

namespace {

using namespace mxprobe_test;
using namespace std::chrono_literals;
using resolver::dns_status;

constexpr auto prompt = 3s; // far above the 200 ms try timeout, far below a hang

// The MX answer whose exchange is a compression pointer to itself.
response looping_mx(const query& q) {
    dns_packet_builder b = reply_to(q).answer_count(1);
    const bytes head = b.build(); // header and question; the record follows
    wire_writer rr;
    rr.pointer(12).u16(qtype::mx).u16(1).u32(300).u16(4).u16(10);
    rr.pointer(static_cast<std::uint16_t>(head.size() + rr.size())); // points at itself
    return b.trailing(rr.take());
}

// Answers MX lookups for loop.test with `hostile` and A lookups for ok.test properly.
query_handler hostile_then_fine(std::function<response(const query&)> hostile) {
    return [hostile = std::move(hostile)](const query& q) -> response {
        if (q.name == "ok.test") {
            return reply_to(q).a(q.name, "192.0.2.1");
        }
        return hostile(q);
    };
}

} // namespace

TEST_SUITE("hostile.dns") {

    TEST_CASE("a compression loop in RDATA → bad_response naming the pointer, next lookup fine") {
        lookup_env env(hostile_then_fine(looping_mx));
        const auto r = run_lookup(env.io, resolver::async_mx(env.channel, "loop.test"), 10s);
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::bad_response);
        CHECK(r.value->detail.find("compression pointer") != std::string::npos);
        CHECK(r.value->records.empty());
        CHECK(r.elapsed < prompt);
        const auto next = env.run(resolver::async_a(env.channel, "ok.test"));
        CHECK(next.status == dns_status::noerror);
    }

    TEST_CASE("an 8 KB UDP answer without TC, far over the EDNS size, ends promptly") {
        // A real server would set TC; this one sends a datagram larger than we advertised.
        lookup_env env(hostile_then_fine([](const query& q) -> response {
            dns_packet_builder b = reply_to(q);
            for (int i = 0; i < 400; ++i) {
                b.mx(q.name, static_cast<std::uint16_t>(i), "mx" + std::to_string(i) + ".test");
            }
            return b;
        }));
        env.server.set_auto_truncate(false);
        const auto r = run_lookup(env.io, resolver::async_mx(env.channel, "big.test"), 10s);
        REQUIRE(r.value.has_value());
        MESSAGE("oversize UDP answer: " << resolver::to_string(r.value->status) << " "
                                        << r.value->detail << ", " << r.value->records.size()
                                        << " records");
        // Either c-ares takes the datagram whole, or it is cut and refused: never a hang,
        // never a partial list passed off as complete.
        const bool whole = r.value->status == dns_status::noerror && r.value->records.size() == 400;
        const bool refused = r.value->status != dns_status::noerror && r.value->records.empty();
        CHECK((whole || refused));
        CHECK(r.elapsed < prompt);
        CHECK(env.run(resolver::async_a(env.channel, "ok.test")).status == dns_status::noerror);
    }

    TEST_CASE("a TCP answer longer than 65,535 bytes is cut by its length prefix → bad_response") {
        lookup_env env(hostile_then_fine([](const query& q) -> response {
            dns_packet_builder b = reply_to(q);
            for (int i = 0; i < 300; ++i) {
                b.txt(q.name, {std::string(250, 'x')}); // about 75 KB in all
            }
            return response::truncated_on_udp(b.build());
        }));
        const auto r = run_lookup(env.io, resolver::async_txt(env.channel, "huge.test"), 10s);
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::bad_response);
        CHECK_FALSE(r.value->detail.empty());
        CHECK(r.value->records.empty());
        CHECK(r.elapsed < prompt);
    }

    TEST_CASE("answers under another query id are ignored: timeout, not a spoofed answer") {
        lookup_env env(hostile_then_fine([](const query& q) -> response {
                           return response::with_own_id(
                               reply_to(q)
                                   .id(static_cast<std::uint16_t>(q.id ^ 0x5a5a))
                                   .mx(q.name, 10, "evil.test")
                                   .build());
                       }),
                       2);
        const auto r = run_lookup(env.io, resolver::async_mx(env.channel, "spoof.test"), 10s);
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::timeout);
        CHECK(r.value->records.empty());
        CHECK(r.elapsed < prompt);
        CHECK(env.run(resolver::async_a(env.channel, "ok.test")).status == dns_status::noerror);
    }

    TEST_CASE("a wrong id first, the right one on the retry → the right answer is taken") {
        std::atomic<int> asked{0};
        lookup_env env(
            [&asked](const query& q) -> response {
                const bool first = asked++ == 0;
                auto b = reply_to(q).mx(q.name, 10, first ? "evil.test" : "mx.test");
                if (first) {
                    b.id(static_cast<std::uint16_t>(q.id ^ 1));
                    return response::with_own_id(b.build());
                }
                return b;
            },
            2);
        const auto r = env.run(resolver::async_mx(env.channel, "retry.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].host == "mx.test");
    }

    TEST_CASE("RDATA cut short by the end of the message → bad_response naming it") {
        lookup_env env(hostile_then_fine([](const query& q) -> response {
            // RDLENGTH says 16, four bytes follow.
            wire_writer rr;
            rr.pointer(12).u16(qtype::aaaa).u16(1).u32(300).u16(16).u32(0x20010db8);
            return reply_to(q).answer_count(1).trailing(rr.take());
        }));
        const auto r = run_lookup(env.io, resolver::async_aaaa(env.channel, "cut.test"), 10s);
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::bad_response);
        CHECK(r.value->detail.find("RDATA runs past the end") != std::string::npos);
        CHECK(r.elapsed < prompt);
    }

    TEST_CASE("records for a name nobody asked about are not taken: nodata") {
        lookup_env env(hostile_then_fine([](const query& q) -> response {
            return reply_to(q).mx("other.test", 10, "evil.test").a("mx.victim.test", "192.0.2.66");
        }));
        const auto r = env.run(resolver::async_mx(env.channel, "victim.test"));
        CHECK(r.status == dns_status::nodata);
        CHECK(r.records.empty());
        CHECK(r.cname_chain.empty());
    }

    TEST_CASE("a CNAME chain of 100 hops in one answer ends in cname_loop, not a walk") {
        lookup_env env(hostile_then_fine([](const query& q) -> response {
            dns_packet_builder b = reply_to(q);
            std::string from = q.name;
            for (int i = 0; i < 100; ++i) {
                const std::string to = "hop" + std::to_string(i) + ".test";
                b.cname(from, to);
                from = to;
            }
            return b.a(from, "192.0.2.9");
        }));
        const auto r = env.run(resolver::async_a(env.channel, "chain.test"));
        CHECK(r.status == dns_status::cname_loop);
        CHECK(r.records.empty());
        CHECK(r.cname_chain.size() <= resolver::max_cname_hops + 1);
    }
}
