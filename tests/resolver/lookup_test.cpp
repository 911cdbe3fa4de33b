// Lookups over loopback against the in-process fake DNS server: every DNS outcome the probe
// distinguishes, TCP fallback, CNAME handling, big answers and hostile answers.

#include "resolver/lookup.hpp"
#include "tests/support/resolver_harness.hpp"

#include <chrono>
#include <string>

#include <boost/asio/ip/udp.hpp>
#include <doctest/doctest.h>

using namespace mxprobe_test;
using namespace std::chrono_literals;
using resolver::dns_status;

namespace {

constexpr auto prompt = 3s; // far above the 200 ms try timeout, far below a hang

response a_records(const query& q) {
    return reply_to(q).a(q.name, "192.0.2.10", 600).a(q.name, "192.0.2.11", 120);
}

response with_rcode(const query& q, std::uint8_t rc) {
    return reply_to(q).rcode(rc);
}

} // namespace

TEST_SUITE("resolver.lookup") {

    TEST_CASE("A records come back as addresses with the smallest TTL and no CNAMEs") {
        lookup_env env(a_records);
        auto r = env.run(resolver::async_a(env.channel, "host.example.test"));
        CHECK(r.status == dns_status::noerror);
        CHECK(r.has_data());
        CHECK(r.name == "host.example.test");
        CHECK(r.canonical_name == "host.example.test");
        CHECK(r.cname_chain.empty());
        CHECK(r.ttl == 120);
        REQUIRE(r.records.size() == 2);
        CHECK(r.records[0].address == "192.0.2.10");
        CHECK(r.records[1].address == "192.0.2.11");
        CHECK(env.server.udp_queries() == 1);
        CHECK(env.server.tcp_queries() == 0);
    }

    TEST_CASE("AAAA records come back in text form") {
        lookup_env env([](const query& q) -> response {
            return reply_to(q).aaaa(q.name, "2001:db8::25").aaaa(q.name, "2001:db8:0:0:1::1");
        });
        auto r = env.run(resolver::async_aaaa(env.channel, "host.example.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 2);
        CHECK(r.records[0].address == "2001:db8::25");
        CHECK(r.records[1].address == "2001:db8::1:0:0:1");
        REQUIRE(env.server.queries().size() == 1);
        CHECK(env.server.queries()[0].type == qtype::aaaa);
    }

    TEST_CASE("NXDOMAIN is reported as nxdomain with no records") {
        lookup_env env([](const query& q) { return with_rcode(q, rcode::nxdomain); });
        auto r = env.run(resolver::async_mx(env.channel, "missing.example.test"));
        CHECK(r.status == dns_status::nxdomain);
        CHECK_FALSE(r.has_data());
        CHECK(r.records.empty());
    }

    TEST_CASE("NOERROR with an empty answer is nodata, distinct from nxdomain") {
        lookup_env env([](const query& q) { return with_rcode(q, rcode::noerror); });
        auto r = env.run(resolver::async_tlsa(env.channel, "_25._tcp.mx.example.test"));
        CHECK(r.status == dns_status::nodata);
        CHECK(r.records.empty());
    }

    TEST_CASE("SERVFAIL is reported as servfail") {
        lookup_env env([](const query& q) { return with_rcode(q, rcode::servfail); }, 2);
        auto r = env.run(resolver::async_txt(env.channel, "example.test"));
        INFO("detail: ", r.detail, "; UDP queries: ", env.server.udp_queries());
        CHECK(r.status == dns_status::servfail);
        CHECK(r.records.empty());
    }

    TEST_CASE("REFUSED is reported as refused") {
        lookup_env env([](const query& q) { return with_rcode(q, rcode::refused); });
        auto r = env.run(resolver::async_a(env.channel, "example.test"));
        INFO("detail: ", r.detail);
        CHECK(r.status == dns_status::refused);
    }

    TEST_CASE("a server that never answers ends in timeout within the configured budget") {
        lookup_env env([](const query&) { return response::drop(); }, 2);
        auto r = run_lookup(env.io, resolver::async_mx(env.channel, "slow.example.test"), 10s);
        REQUIRE_MESSAGE(r.value.has_value(), "the lookup never ended");
        CHECK(r.value->status == dns_status::timeout);
        CHECK(r.value->records.empty());
        CHECK(r.elapsed < prompt);
        CHECK(env.server.udp_queries() >= 1);
    }

    TEST_CASE("a truncated UDP answer is retried over TCP and the TCP answer is used") {
        lookup_env env([](const query& q) {
            return response::truncated_on_udp(
                reply_to(q).mx(q.name, 10, "mx1.example.test").build());
        });
        auto r = env.run(resolver::async_mx(env.channel, "example.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].preference == 10);
        CHECK(r.records[0].host == "mx1.example.test");
        CHECK(env.server.udp_queries() == 1);
        CHECK(env.server.tcp_queries() == 1);
    }

    TEST_CASE("an answer over 512 bytes but within the advertised EDNS size is taken from UDP") {
        lookup_env env([](const query& q) -> response {
            return reply_to(q).txt(
                q.name, {std::string(250, 'x'), std::string(250, 'y'), std::string(150, 'z')});
        });
        auto r = env.run(resolver::async_txt(env.channel, "example.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].text.size() == 650);
        CHECK(env.server.udp_queries() == 1);
        CHECK(env.server.tcp_queries() == 0); // no second round trip over TCP
    }

    TEST_CASE("300 MX records arrive complete and in answer order") {
        lookup_env env([](const query& q) {
            auto b = reply_to(q).compress();
            for (int i = 0; i < 300; ++i) {
                const int pref = (i * 7) % 300; // a permutation, so order is observable
                b.mx(q.name, static_cast<std::uint16_t>(pref),
                     "mx" + std::to_string(pref) + ".example.test");
            }
            return response(b);
        });
        auto r = env.run(resolver::async_mx(env.channel, "example.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 300);
        for (int i = 0; i < 300; ++i) {
            const int pref = (i * 7) % 300;
            CHECK(r.records[i].preference == pref);
            CHECK(r.records[i].host == "mx" + std::to_string(pref) + ".example.test");
        }
        CHECK(env.server.tcp_queries() == 1); // too big for 1232 bytes of UDP
    }

    TEST_CASE("a CNAME chain inside one answer is followed to its records") {
        lookup_env env([](const query& q) -> response {
            return reply_to(q)
                .compress()
                .cname("www.example.test", "c1.example.test")
                .cname("c1.example.test", "c2.example.net")
                .a("c2.example.net", "192.0.2.80");
        });
        auto r = env.run(resolver::async_a(env.channel, "www.example.test"));
        REQUIRE(r.status == dns_status::noerror);
        CHECK(r.name == "www.example.test");
        CHECK(r.canonical_name == "c2.example.net");
        CHECK(r.cname_chain == std::vector<std::string>{"c1.example.test", "c2.example.net"});
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].address == "192.0.2.80");
        CHECK(env.server.queries().size() == 1);
    }

    TEST_CASE("a CNAME answered alone is followed by a query for its target") {
        lookup_env env([](const query& q) -> response {
            if (q.name == "alias.example.test") {
                return reply_to(q).cname(q.name, "real.example.net");
            }
            if (q.name == "real.example.net") {
                return reply_to(q).mx(q.name, 5, "mx.example.net");
            }
            return with_rcode(q, rcode::nxdomain);
        });
        auto r = env.run(resolver::async_mx(env.channel, "alias.example.test"));
        REQUIRE(r.status == dns_status::noerror);
        CHECK(r.canonical_name == "real.example.net");
        CHECK(r.cname_chain == std::vector<std::string>{"real.example.net"});
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].host == "mx.example.net");
        CHECK(count_queries(env.server, "real.example.net", qtype::mx) == 1);
    }

    TEST_CASE("a CNAME loop across queries ends promptly in cname_loop") {
        lookup_env env([](const query& q) -> response {
            if (q.name == "a.example.test") {
                return reply_to(q).cname(q.name, "b.example.test");
            }
            return reply_to(q).cname(q.name, "a.example.test");
        });
        auto r = run_lookup(env.io, resolver::async_a(env.channel, "a.example.test"));
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::cname_loop);
        CHECK(r.value->records.empty());
        CHECK(r.elapsed < prompt);
        CHECK(env.server.queries().size() <= resolver::max_cname_hops + 1);
    }

    TEST_CASE("a CNAME loop inside one answer is cname_loop") {
        lookup_env env([](const query& q) -> response {
            return reply_to(q)
                .cname("a.example.test", "b.example.test")
                .cname("b.example.test", "a.example.test");
        });
        auto r = run_lookup(env.io, resolver::async_a(env.channel, "a.example.test"));
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::cname_loop);
        CHECK(r.elapsed < prompt);
    }

    TEST_CASE("a CNAME chain longer than max_cname_hops ends in cname_loop") {
        lookup_env env([](const query& q) -> response {
            // c0 -> c1 -> c2 -> ... without end, one hop per query
            auto n = std::stoi(q.name.substr(1, q.name.find('.') - 1));
            return reply_to(q).cname(q.name, "c" + std::to_string(n + 1) + ".example.test");
        });
        auto r = run_lookup(env.io, resolver::async_a(env.channel, "c0.example.test"));
        REQUIRE(r.value.has_value());
        CHECK(r.value->status == dns_status::cname_loop);
        CHECK(env.server.queries().size() <= resolver::max_cname_hops + 1);
    }

    TEST_CASE("a 2,000-byte TXT record in 255-byte strings is joined exactly") {
        std::string text;
        for (int i = 0; i < 2000; ++i) {
            text += static_cast<char>('A' + i % 26);
        }
        lookup_env env([text](const query& q) -> response {
            return reply_to(q).txt(q.name, split_txt(text));
        });
        auto r = env.run(resolver::async_txt(env.channel, "example.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].text == text);
        CHECK(r.records[0].strings_count == 8);
    }

    TEST_CASE("malformed answers are bad_response with a detail") {
        SUBCASE("garbage after the question") {
            lookup_env env([](const query& q) -> response {
                return reply_to(q).answer_count(1).trailing({0xff, 0x13, 0x00, 0x01, 0xde, 0xad});
            });
            auto r = env.run(resolver::async_a(env.channel, "example.test"));
            CHECK(r.status == dns_status::bad_response);
            CHECK_FALSE(r.detail.empty());
        }
        SUBCASE("answer count larger than the records present") {
            lookup_env env([](const query& q) -> response {
                return reply_to(q).a(q.name, "192.0.2.1").answer_count(4);
            });
            auto r = env.run(resolver::async_a(env.channel, "example.test"));
            CHECK(r.status == dns_status::bad_response);
            CHECK_FALSE(r.detail.empty());
            CHECK(r.records.empty());
        }
        SUBCASE("an A record with three bytes of RDATA") {
            lookup_env env([](const query& q) -> response {
                return reply_to(q).raw_rr(q.name, qtype::a, {192, 0, 2});
            });
            auto r = env.run(resolver::async_a(env.channel, "example.test"));
            CHECK(r.status == dns_status::bad_response);
            CHECK_FALSE(r.detail.empty());
        }
    }

    TEST_CASE("records of other types in the answer are ignored") {
        lookup_env env([](const query& q) -> response {
            return reply_to(q).mx(q.name, 10, "mx.example.test").raw_rr(q.name, 46, {1, 2, 3, 4});
        });
        auto r = env.run(resolver::async_mx(env.channel, "example.test"));
        REQUIRE(r.status == dns_status::noerror);
        REQUIRE(r.records.size() == 1);
        CHECK(r.records[0].host == "mx.example.test");
    }

    TEST_CASE("queries carry AD=1 and the answer's AD bit becomes authenticated") {
        for (bool ad : {true, false}) {
            CAPTURE(ad);
            lookup_env env([ad](const query& q) -> response {
                return reply_to(q).set_flag(flag::ad, ad).tlsa(q.name, 3, 1, 1, bytes(32, 0xab));
            });
            auto r = env.run(resolver::async_tlsa(env.channel, "_25._tcp.mx.example.test"));
            REQUIRE(r.status == dns_status::noerror);
            CHECK(r.authenticated == ad);
            REQUIRE(r.records.size() == 1);
            std::string expected_hex;
            for (int i = 0; i < 32; ++i) {
                expected_hex += "ab";
            }
            CHECK(r.records[0].data_hex == expected_hex);
            const auto queries = env.server.queries();
            REQUIRE(queries.size() == 1);
            CHECK(queries[0].has_flag(flag::ad));
            CHECK(queries[0].has_flag(flag::rd));
            CHECK(queries[0].name == "_25._tcp.mx.example.test");
        }
    }

    TEST_CASE("queries advertise EDNS(0) with the configured UDP payload size") {
        resolver::library lib;
        fake_dns_server server(a_records);
        boost::asio::io_context io;
        auto opts = options_for(server);
        opts.edns_udp_size = 1400;
        resolver::channel ch(io.get_executor(), opts);
        auto r = run_to_answer(io, resolver::async_a(ch, "example.test"));
        CHECK(r.status == dns_status::noerror);
        REQUIRE(server.queries().size() == 1);
        CHECK(server.queries()[0].edns_udp_size == 1400);
    }

    TEST_CASE("a server on the IPv6 loopback [::1] is reachable") {
        if (!fake_dns_server::ipv6_loopback_available()) {
            MESSAGE("skipped: ::1 cannot be bound on this machine");
            return;
        }
        lookup_env env(a_records, 1, 200ms, "::1");
        auto r = env.run(resolver::async_a(env.channel, "v6.example.test"));
        CHECK(r.status == dns_status::noerror);
        CHECK(r.records.size() == 2);
        CHECK(env.server.udp_queries() == 1);
    }

    TEST_CASE("a closed port ends promptly in timeout or connection_refused") {
        std::uint16_t closed_port = 0;
        {
            boost::asio::io_context probe_io;
            boost::asio::ip::udp::socket s(probe_io,
                                           {boost::asio::ip::make_address("127.0.0.1"), 0});
            closed_port = s.local_endpoint().port();
        } // closed again: nothing listens there now
        resolver::library lib;
        boost::asio::io_context io;
        resolver::channel_options opts;
        opts.servers.push_back({"127.0.0.1", closed_port, false});
        opts.tries = 1;
        opts.try_timeout = 200ms;
        resolver::channel ch(io.get_executor(), opts);
        auto r = run_lookup(io, resolver::async_a(ch, "example.test"));
        REQUIRE(r.value.has_value());
        const auto status = r.value->status;
        CAPTURE(status);
        CHECK((status == dns_status::timeout || status == dns_status::connection_refused));
        CHECK(r.elapsed < prompt);
    }

} // TEST_SUITE
