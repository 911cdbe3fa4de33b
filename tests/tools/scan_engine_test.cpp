// Scans over a zone of many domains on the fake DNS server, with fake SMTP servers on several
// 127.0.0.x addresses standing in for MX hosts: shared MX hosts are probed once per (host,
// IP), a 421 is retried and reported as rate limiting (never as "no STARTTLS"), a tarpit
// costs its own deadline without holding up the rest, and every domain is judged.

#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/fake_zone.hpp"
#include "tests/support/test_certs.hpp"
#include "tools/mxprobe/scan_engine.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include <doctest/doctest.h>
#include <openssl/ssl.h>

using namespace mxprobe_test;

namespace {

struct engine_pki_t {
    test_pki pki = test_pki::create();
    issued leaf;
    std::string root_file;
};

const engine_pki_t& engine_pki() {
    static const engine_pki_t m = [] {
        engine_pki_t out;
        out.leaf = out.pki.leaf(cert_spec{
            .common_name = "mx",
            .dns_names = {"mx-a.shared.test", "mx-b.shared.test", "mx.own.test", "mx.busy.test",
                          "mx.tarpit.test", "mx.plain.test", "*.same.test"}});
        out.root_file = write_temp_file(out.pki.root.cert_pem());
        return out;
    }();
    return m;
}

smtp_script valid_script() {
    smtp_script s;
    s.tls.cert_chain_pem = engine_pki().leaf.cert_pem() + engine_pki().pki.intermediate.cert_pem();
    s.tls.key_pem = engine_pki().leaf.key_pem();
    return s;
}

// Fake MX hosts on 127.0.0.x, all on the port of the first one.
class fleet {
  public:
    void add(const std::string& name, const std::string& address, smtp_script script) {
        servers_[name] = std::make_unique<fake_smtp_server>(std::move(script), address, port_);
        port_ = servers_[name]->port();
    }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] const fake_smtp_server& at(const std::string& name) const {
        return *servers_.at(name);
    }

  private:
    std::map<std::string, std::unique_ptr<fake_smtp_server>> servers_;
    std::uint16_t port_ = 0;
};

mxprobe::scan_defaults lab_defaults(const fake_dns_server& dns, std::uint16_t port) {
    mxprobe::scan_defaults d;
    d.resolvers = {"127.0.0.1:" + std::to_string(dns.port())};
    d.port = port;
    d.ca_file = engine_pki().root_file;
    d.allow_private = true;
    d.ehlo = "scanner.test";
    d.timeout = std::chrono::seconds(5);
    d.banner_timeout = std::chrono::milliseconds(1500);
    d.retries = 1;
    d.retry_delay = std::chrono::milliseconds(200);
    d.ip_spacing = std::chrono::milliseconds(0);
    d.concurrency = 50;
    d.slow_after = std::chrono::milliseconds(500);
    return d;
}

struct scan_outcome {
    std::vector<mxprobe::domain_report> reports; ///< in the order they finished
    mxprobe::scan_run_result run;

    [[nodiscard]] const mxprobe::domain_report& of(const std::string& domain) const {
        const auto it = std::find_if(reports.begin(), reports.end(),
                                     [&](const auto& r) { return r.facts.domain == domain; });
        REQUIRE(it != reports.end());
        return *it;
    }
    [[nodiscard]] std::size_t finished_at(const std::string& domain) const {
        for (std::size_t i = 0; i < reports.size(); ++i) {
            if (reports[i].facts.domain == domain) {
                return i;
            }
        }
        return reports.size();
    }
};

scan_outcome scan(const mxprobe::scan_defaults& d, const std::vector<std::string>& domains) {
    mxprobe::scan_run_options o;
    o.defaults = d;
    o.total = domains.size();
    std::size_t next = 0;
    scan_outcome out;
    out.run = mxprobe::run_scan(
        o,
        [&]() -> std::optional<mxprobe::scan_item> {
            if (next >= domains.size()) {
                return std::nullopt;
            }
            mxprobe::scan_item item;
            item.domain = domains[next++];
            return item;
        },
        [&](mxprobe::domain_report&& r) { out.reports.push_back(std::move(r)); });
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

TEST_SUITE("tools.scan_engine") {

    TEST_CASE("shared MX hosts are probed once per (host, IP), 421, tarpit and faults judged") {
        fleet mx;
        mx.add("a", "127.0.0.31", valid_script());
        mx.add("b", "127.0.0.32", valid_script());
        mx.add("own", "127.0.0.33", valid_script());
        smtp_script busy = valid_script();
        busy.banner_code = 421;
        busy.banner_text = "4.7.0 mx.busy.test too many connections, try later";
        mx.add("busy", "127.0.0.34", busy);
        smtp_script tarpit = valid_script();
        tarpit.banner_delay = std::chrono::seconds(30);
        mx.add("tarpit", "127.0.0.35", tarpit);
        smtp_script plain = valid_script();
        plain.offer_starttls = false;
        mx.add("plain", "127.0.0.36", plain);

        fake_zone z;
        std::vector<std::string> domains;
        for (int i = 0; i < 10; ++i) {
            const std::string d = "p" + std::to_string(i) + ".test";
            z.mx(d, 10, "mx-a.shared.test").mx(d, 20, "mx-b.shared.test");
            domains.push_back(d);
        }
        z.a("mx-a.shared.test", "127.0.0.31").a("mx-b.shared.test", "127.0.0.32");
        z.mx("own.test", 10, "mx.own.test").a("mx.own.test", "127.0.0.33");
        z.mx("busy.test", 10, "mx.busy.test").a("mx.busy.test", "127.0.0.34");
        z.mx("tarpit.test", 10, "mx.tarpit.test").a("mx.tarpit.test", "127.0.0.35");
        z.mx("plain.test", 10, "mx.plain.test").a("mx.plain.test", "127.0.0.36");
        z.txt("nomail.test", "v=spf1 -all").mx("nomail.test", 0, "");
        domains.insert(domains.begin() + 3, "tarpit.test"); // early, so it could hold others up
        for (const char* d : {"own.test", "busy.test", "plain.test", "gone.test", "nomail.test"}) {
            domains.emplace_back(d);
        }
        const resolver::library ares;
        fake_dns_server dns(z.handler());

        const scan_outcome out = scan(lab_defaults(dns, mx.port()), domains);

        REQUIRE(out.reports.size() == domains.size());
        CHECK_FALSE(out.run.interrupted);
        // Once per (host, IP) however many domains share it; the 421 server once per attempt.
        CHECK(mx.at("a").connections() == 1);
        CHECK(mx.at("b").connections() == 1);
        CHECK(mx.at("own").connections() == 1);
        CHECK(mx.at("busy").connections() == 2);
        CHECK(mx.at("tarpit").connections() == 1);
        CHECK(mx.at("plain").connections() == 1);
        CHECK(out.run.probes == 6);
        CHECK(out.run.shared_probes == 18);

        const auto& p0 = out.of("p0.test");
        CHECK(p0.verdict.overall == policy::severity::ok);
        REQUIRE(p0.verdict.hosts.size() == 2);
        CHECK(p0.verdict.hosts[0].host == "mx-a.shared.test");
        CHECK(p0.verdict.hosts[0].probe->session.tls.has_value());
        CHECK(p0.verdict.result_types.empty());
        // Every domain sharing the MX sees the very same probe.
        CHECK(out.of("p7.test").verdict.hosts[0].probe == p0.verdict.hosts[0].probe);

        const auto& busy_report = out.of("busy.test");
        REQUIRE(busy_report.verdict.hosts.size() == 1);
        const auto& busy_host = busy_report.verdict.hosts[0];
        CHECK(busy_host.probe->rate_limited);
        CHECK(busy_host.probe->attempts == 2);
        CHECK(busy_host.probe->retried_after.size() == 1);
        CHECK(busy_host.verdict.result_types.empty()); // never starttls-not-supported
        CHECK(busy_report.verdict.result_types.empty());
        CHECK(busy_report.verdict.overall == policy::severity::unknown);

        const auto& tar = out.of("tarpit.test");
        REQUIRE(tar.verdict.hosts.size() == 1);
        CHECK(tar.verdict.hosts[0].probe->session.outcome == probe::status::io_timeout);
        CHECK(tar.verdict.hosts[0].probe->session.failed_phase == probe::phase::banner);
        CHECK(tar.verdict.hosts[0].probe->slow);
        CHECK(tar.verdict.result_types.empty());
        CHECK(tar.verdict.overall == policy::severity::unknown);
        // Listed fourth, finished after every domain on a responsive MX.
        for (const auto& d : domains) {
            if (d != "tarpit.test" && d != "busy.test") {
                CAPTURE(d);
                CHECK(out.finished_at(d) < out.finished_at("tarpit.test"));
            }
        }

        const auto& plain_report = out.of("plain.test");
        CHECK(has(plain_report.verdict.result_types, "starttls-not-supported"));
        CHECK(has(plain_report.verdict.reportable_result_types, "starttls-not-supported"));
        CHECK(plain_report.verdict.overall == policy::severity::critical);

        CHECK(out.of("gone.test").verdict.route == policy::mail_route::nxdomain);
        CHECK(out.of("gone.test").verdict.overall == policy::severity::critical);
        CHECK(out.of("nomail.test").verdict.route == policy::mail_route::null_mx);
        CHECK(out.of("nomail.test").verdict.hosts.empty());
        CHECK(out.of("nomail.test").verdict.overall == policy::severity::ok);
    }

    TEST_CASE("domains held by a tarpit give their place in the window to the next ones") {
        fleet mx;
        smtp_script tarpit = valid_script();
        tarpit.banner_delay = std::chrono::seconds(30);
        mx.add("slow", "127.0.0.38", tarpit);
        mx.add("quick", "127.0.0.39", valid_script());
        fake_zone z;
        std::vector<std::string> held;
        std::vector<std::string> others;
        for (int i = 0; i < 3; ++i) {
            held.push_back("held" + std::to_string(i) + ".test");
            z.mx(held.back(), 10, "slow.same.test");
        }
        z.a("slow.same.test", "127.0.0.38");
        for (int i = 0; i < 8; ++i) {
            others.push_back("other" + std::to_string(i) + ".test");
            const std::string host = "q" + std::to_string(i) + ".same.test";
            z.mx(others.back(), 10, host).a(host, "127.0.0.39");
        }
        std::vector<std::string> domains = held; // first, so they take the whole window
        domains.insert(domains.end(), others.begin(), others.end());
        const resolver::library ares;
        fake_dns_server dns(z.handler());
        auto d = lab_defaults(dns, mx.port());
        d.domains_in_flight = 2;

        SUBCASE("with room to wait outside the window, nobody waits for the tarpit") {
            const scan_outcome out = scan(d, domains);
            REQUIRE(out.reports.size() == domains.size());
            CHECK(mx.at("slow").connections() == 1);
            for (const auto& h : held) {
                CHECK(out.of(h).verdict.hosts.at(0).probe->session.failed_phase ==
                      probe::phase::banner);
                for (const auto& o : others) {
                    CAPTURE(o);
                    CHECK(out.finished_at(o) < out.finished_at(h));
                }
            }
            for (const auto& o : others) {
                CHECK(out.of(o).verdict.overall == policy::severity::ok);
            }
        }
        SUBCASE("domains_waiting 0: the tarpit's domains keep their places until they end") {
            d.domains_waiting = 0;
            const scan_outcome out = scan(d, domains);
            REQUIRE(out.reports.size() == domains.size());
            for (const auto& o : others) {
                CAPTURE(o);
                CHECK(out.finished_at(o) > out.finished_at(held[0]));
                CHECK(out.finished_at(o) > out.finished_at(held[1]));
            }
        }
    }

    TEST_CASE("one connection at a time per IP, however many MX names point at it") {
        fleet mx;
        mx.add("same", "127.0.0.37", valid_script());
        fake_zone z;
        std::vector<std::string> domains;
        for (int i = 0; i < 6; ++i) {
            const std::string d = "s" + std::to_string(i) + ".test";
            const std::string host = "mx" + std::to_string(i) + ".same.test";
            z.mx(d, 10, host).a(host, "127.0.0.37");
            domains.push_back(d);
        }
        const resolver::library ares;
        fake_dns_server dns(z.handler());
        const scan_outcome out = scan(lab_defaults(dns, mx.port()), domains);
        REQUIRE(out.reports.size() == 6);
        CHECK(mx.at("same").connections() == 6); // six (host, IP) pairs: six probes
        CHECK(mx.at("same").max_concurrent() == 1);
        for (const auto& r : out.reports) {
            CHECK(r.verdict.overall == policy::severity::ok);
        }
    }

    TEST_CASE("loopback MX addresses are refused without allow_private, and said so") {
        fleet mx;
        mx.add("own", "127.0.0.33", valid_script());
        fake_zone z;
        z.mx("own.test", 10, "mx.own.test").a("mx.own.test", "127.0.0.33");
        const resolver::library ares;
        fake_dns_server dns(z.handler());
        auto d = lab_defaults(dns, mx.port());
        d.allow_private = false;
        const scan_outcome out = scan(d, {"own.test"});
        REQUIRE(out.reports.size() == 1);
        REQUIRE(out.reports[0].verdict.hosts.size() == 1);
        const auto& s = out.reports[0].verdict.hosts[0].probe->session;
        CHECK(s.outcome == probe::status::address_refused);
        CHECK(s.error.find("loopback") != std::string::npos);
        CHECK(mx.at("own").connections() == 0);
        CHECK(out.reports[0].verdict.overall == policy::severity::unknown);
    }

    TEST_CASE("IPv4-only leaves the IPv6 addresses out and names them") {
        fleet mx;
        mx.add("own", "127.0.0.33", valid_script());
        fake_zone z;
        z.mx("own.test", 10, "mx.own.test")
            .a("mx.own.test", "127.0.0.33")
            .aaaa("mx.own.test", "::1");
        const resolver::library ares;
        fake_dns_server dns(z.handler());
        auto d = lab_defaults(dns, mx.port());
        d.ipv6 = false;
        const scan_outcome out = scan(d, {"own.test"});
        REQUIRE(out.reports.size() == 1);
        CHECK(out.reports[0].verdict.hosts.size() == 1);
        REQUIRE(out.reports[0].facts.not_probed.size() == 1);
        CHECK(out.reports[0].facts.not_probed[0] == "mx.own.test ::1: IPv6 excluded");
    }
}
