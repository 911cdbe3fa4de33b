// The per-domain mail lookup against a small scripted zone on the fake DNS server: MX
// ordering, null and implicit MX, TLSA names and the MTA-STS / TLS-RPT TXT records.

#include "resolver/mail_lookup.hpp"
#include "tests/support/fake_zone.hpp"
#include "tests/support/resolver_harness.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace mxprobe_test;
using resolver::dns_status;

namespace {

using zone = fake_zone;

resolver::mail_lookup run_mail_lookup(lookup_env& env, std::string domain) {
    return env.run(resolver::async_mail_lookup(env.channel, std::move(domain)));
}

} // namespace

TEST_SUITE("resolver.mail_lookup") {

    TEST_CASE("MX hosts come back sorted by preference, each with addresses and _25._tcp TLSA") {
        zone z;
        z.mx("example.test", 20, "mx2.example.test")
            .mx("example.test", 10, "mx1.example.test")
            .mx("example.test", 30, "mx3.example.net")
            .a("mx1.example.test", "192.0.2.1")
            .aaaa("mx1.example.test", "2001:db8::1")
            .a("mx2.example.test", "192.0.2.2")
            .a("mx3.example.net", "192.0.2.3")
            .tlsa("_25._tcp.mx1.example.test", 3, 1, 1, bytes(32, 0x5a));
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");

        CHECK(m.domain == "example.test");
        CHECK(m.mx.status == dns_status::noerror);
        CHECK(m.mx.records.size() == 3);
        CHECK_FALSE(m.null_mx);
        CHECK_FALSE(m.null_mx_mixed);
        CHECK_FALSE(m.implicit_mx);
        REQUIRE(m.hosts.size() == 3);
        CHECK(m.hosts[0].preference == 10);
        CHECK(m.hosts[0].host == "mx1.example.test");
        CHECK(m.hosts[1].preference == 20);
        CHECK(m.hosts[1].host == "mx2.example.test");
        CHECK(m.hosts[2].preference == 30);
        CHECK(m.hosts[2].host == "mx3.example.net");

        const auto& mx1 = m.hosts[0];
        REQUIRE(mx1.ipv4.records.size() == 1);
        CHECK(mx1.ipv4.records[0].address == "192.0.2.1");
        REQUIRE(mx1.ipv6.records.size() == 1);
        CHECK(mx1.ipv6.records[0].address == "2001:db8::1");
        CHECK(mx1.tlsa.status == dns_status::noerror);
        REQUIRE(mx1.tlsa.records.size() == 1);
        CHECK(mx1.tlsa.records[0].usage == 3);
        CHECK(m.hosts[1].ipv6.status == dns_status::nodata);
        CHECK(m.hosts[1].tlsa.status == dns_status::nxdomain);

        for (const auto& h : m.hosts) {
            CAPTURE(h.host);
            CHECK(count_queries(env.server, h.host, qtype::a) == 1);
            CHECK(count_queries(env.server, h.host, qtype::aaaa) == 1);
            CHECK(count_queries(env.server, "_25._tcp." + h.host, qtype::tlsa) == 1);
        }
    }

    TEST_CASE("the lowest preference comes first even when the answer lists it in the middle") {
        zone z;
        z.mx("example.test", 10, "b.example.test")
            .mx("example.test", 5, "c.example.test")
            .mx("example.test", 10, "a.example.test");
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");
        REQUIRE(m.hosts.size() == 3);
        CHECK(m.hosts[0].host == "c.example.test");
        CHECK(m.hosts[1].preference == 10);
        CHECK(m.hosts[2].preference == 10);
    }

    TEST_CASE("a single `0 .` MX is a null MX: no hosts, no lookups for the root as a host") {
        zone z;
        z.mx("example.test", 0, ".").a("example.test", "192.0.2.1");
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");
        CHECK(m.mx.status == dns_status::noerror);
        CHECK(m.null_mx);
        CHECK_FALSE(m.null_mx_mixed);
        CHECK_FALSE(m.implicit_mx);
        CHECK(m.hosts.empty());
        for (const auto& q : env.server.queries()) {
            CAPTURE(q.name);
            CHECK(q.name != "");
            CHECK(q.type != qtype::tlsa);
        }
    }

    TEST_CASE("a `0 .` MX beside another MX is flagged null_mx_mixed, not null_mx") {
        zone z;
        z.mx("example.test", 0, ".")
            .mx("example.test", 10, "mx.example.test")
            .a("mx.example.test", "192.0.2.5");
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");
        CHECK(m.null_mx_mixed);
        CHECK_FALSE(m.null_mx);
        CHECK_FALSE(m.implicit_mx);
    }

    TEST_CASE("NODATA for MX with an A record makes the domain its own implicit MX") {
        zone z;
        z.a("example.test", "192.0.2.25");
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");
        CHECK(m.mx.status == dns_status::nodata);
        CHECK(m.implicit_mx);
        CHECK_FALSE(m.null_mx);
        REQUIRE(m.hosts.size() == 1);
        CHECK(m.hosts[0].host == "example.test");
        CHECK(m.hosts[0].preference == 0);
        REQUIRE(m.hosts[0].ipv4.records.size() == 1);
        CHECK(m.hosts[0].ipv4.records[0].address == "192.0.2.25");
        CHECK(count_queries(env.server, "_25._tcp.example.test", qtype::tlsa) == 1);
    }

    TEST_CASE("a domain that does not exist has no MX, no implicit MX and no hosts") {
        lookup_env env(zone().handler());
        auto m = run_mail_lookup(env, "missing.example.test");
        CHECK(m.mx.status == dns_status::nxdomain);
        CHECK_FALSE(m.implicit_mx);
        CHECK_FALSE(m.null_mx);
        CHECK(m.hosts.empty());
    }

    TEST_CASE("the _mta-sts and _smtp._tls TXT records are looked up and returned") {
        zone z;
        z.mx("example.test", 10, "mx.example.test")
            .a("mx.example.test", "192.0.2.5")
            .txt("_mta-sts.example.test", "v=STSv1; id=20240101;")
            .txt("_smtp._tls.example.test", "v=TLSRPTv1; rua=mailto:tlsrpt@example.test");
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");
        CHECK(count_queries(env.server, "_mta-sts.example.test", qtype::txt) == 1);
        CHECK(count_queries(env.server, "_smtp._tls.example.test", qtype::txt) == 1);
        REQUIRE(m.mta_sts_txt.records.size() == 1);
        CHECK(m.mta_sts_txt.records[0].text == "v=STSv1; id=20240101;");
        REQUIRE(m.tlsrpt_txt.records.size() == 1);
        CHECK(m.tlsrpt_txt.records[0].text == "v=TLSRPTv1; rua=mailto:tlsrpt@example.test");
    }

    TEST_CASE("missing _mta-sts and _smtp._tls records are reported as nxdomain") {
        zone z;
        z.mx("example.test", 10, "mx.example.test").a("mx.example.test", "192.0.2.5");
        lookup_env env(z.handler());
        auto m = run_mail_lookup(env, "example.test");
        CHECK(m.mta_sts_txt.status == dns_status::nxdomain);
        CHECK(m.tlsrpt_txt.status == dns_status::nxdomain);
        CHECK(m.mta_sts_txt.records.empty());
        REQUIRE(m.hosts.size() == 1);
        CHECK(m.hosts[0].ipv4.records.size() == 1);
    }

} // TEST_SUITE
