// policy::comparison_baseline, unchecked_subjects and nothing_checked: an outage between two
// scans is neither a change nor the end of an alert.

#include "policy/alert_baseline.hpp"
#include "policy/alert_conditions.hpp"

#include <chrono>

#include <doctest/doctest.h>

using policy::domain_facts_summary;
using policy::mx_facts;

namespace {

constexpr std::int64_t check_time_s = 1796000000;
const auto check_time = std::chrono::system_clock::time_point(std::chrono::seconds(check_time_s));

mx_facts reachable(const std::string& host, const std::string& ip) {
    mx_facts m;
    m.host = host;
    m.ip = ip;
    m.checked = true;
    m.starttls_offered = true;
    m.tls = true;
    m.version = "TLSv1.3";
    m.cert_sha256 = "cert-1";
    m.spki_sha256 = "key-1";
    m.cert_not_after = check_time_s + 90LL * 86400;
    m.result_types = {"certificate-expired"};
    return m;
}

mx_facts down(const std::string& host, const std::string& ip) {
    mx_facts m;
    m.host = host;
    m.ip = ip;
    m.status = "connection_refused";
    return m;
}

domain_facts_summary critical_domain(std::vector<mx_facts> hosts,
                                     std::vector<std::string> types = {}) {
    domain_facts_summary d;
    d.domain = "example.net";
    d.route = "mx";
    d.verdict = "critical";
    d.mx = std::move(hosts);
    d.result_types = std::move(types);
    return d;
}

} // namespace

TEST_SUITE("policy.alert_baseline") {

    TEST_CASE("down, then back with the same certificate and types: no change, nothing new") {
        const mx_facts before = reachable("mx1.example.net", "192.0.2.1");
        const auto outage = critical_domain({down("mx1.example.net", "192.0.2.1")});
        const auto back = critical_domain({before}, {"certificate-expired"});
        // Compared with the outage alone, the types look new.
        CHECK_FALSE(policy::domain_conditions(back, outage, {}, check_time).empty());
        const auto baseline = policy::comparison_baseline(outage, {before});
        REQUIRE(baseline.mx.size() == 1);
        CHECK(baseline.mx[0].checked);
        CHECK(baseline.result_types == std::vector<std::string>{"certificate-expired"});
        CHECK(policy::domain_conditions(back, baseline, {}, check_time).empty());
    }

    TEST_CASE(
        "an MX outside an enforced MTA-STS policy, down and back: validation-failure is not new") {
        mx_facts before = reachable("mx1.example.net", "192.0.2.1");
        before.result_types.clear();
        before.sts_compliant = false;
        before.sts_result_type = "validation-failure";
        const auto baseline = policy::comparison_baseline(
            critical_domain({down("mx1.example.net", "192.0.2.1")}), {before});
        CHECK(baseline.result_types == std::vector<std::string>{"validation-failure"});
        CHECK(policy::domain_conditions(critical_domain({before}, {"validation-failure"}), baseline,
                                        {}, check_time)
                  .empty());
    }

    TEST_CASE("a real change across an outage is still told") {
        const mx_facts before = reachable("mx1.example.net", "192.0.2.1");
        mx_facts renewed = before;
        renewed.cert_sha256 = "cert-2";
        renewed.spki_sha256 = "key-2";
        const auto baseline = policy::comparison_baseline(
            critical_domain({down("mx1.example.net", "192.0.2.1")}), {before});
        const auto c = policy::domain_conditions(
            critical_domain({renewed}, {"certificate-expired"}), baseline, {}, check_time);
        REQUIRE(c.size() == 1);
        CHECK(c[0].kind == "key-changed");
    }

    TEST_CASE("only unchecked addresses are replaced, and only by facts of that address") {
        const mx_facts other = reachable("mx2.example.net", "192.0.2.2");
        const auto previous = critical_domain(
            {reachable("mx1.example.net", "192.0.2.1"), down("mx1.example.net", "192.0.2.9")});
        const auto baseline = policy::comparison_baseline(previous, {other});
        CHECK(baseline.mx[0].cert_sha256 == "cert-1");
        CHECK_FALSE(baseline.mx[1].checked); // nothing known of 192.0.2.9
        CHECK(baseline.result_types.empty());
    }

    TEST_CASE("unchecked subjects: the address, and the host once no address of it was checked") {
        const auto partly = critical_domain({reachable("mx1.example.net", "192.0.2.1"),
                                             down("mx1.example.net", "192.0.2.9"),
                                             down("mx2.example.net", "192.0.2.2")});
        CHECK(policy::unchecked_subjects(partly) ==
              std::set<std::string>{"mx1.example.net [192.0.2.9]", "mx2.example.net",
                                    "mx2.example.net [192.0.2.2]"});
        CHECK_FALSE(policy::nothing_checked(partly));
    }

    TEST_CASE("nothing checked: DNS failed or every MX unreachable, but not a null MX") {
        auto dns_failed = critical_domain({});
        dns_failed.verdict = "unknown";
        CHECK(policy::nothing_checked(dns_failed));
        auto all_down = critical_domain({down("mx1.example.net", "192.0.2.1")});
        all_down.verdict = "unknown";
        CHECK(policy::nothing_checked(all_down));
        auto null_mx = critical_domain({});
        null_mx.route = "null_mx";
        null_mx.verdict = "critical";
        CHECK_FALSE(policy::nothing_checked(null_mx));
    }
}
