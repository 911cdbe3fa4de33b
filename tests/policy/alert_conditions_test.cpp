// Alert conditions from one scan compared with the previous one: states last as long as they
// are true, changes are seen once; keys are stable so an alert is raised and resolved once.

#include "policy/alert_conditions.hpp"
#include "tests/support/test_time.hpp"

#include <algorithm>

#include <doctest/doctest.h>

namespace {

using policy::alert_condition;
using policy::domain_facts_summary;
using policy::mx_facts;

using mxprobe_test::day_seconds;

constexpr std::int64_t alert_time_s = 1796342400; // 2026-12-04T00:00:00Z
const auto alert_time = std::chrono::system_clock::time_point(std::chrono::seconds(alert_time_s));

mx_facts valid_mx(std::int64_t days_left = 90) {
    mx_facts m;
    m.host = "mx.example.net";
    m.ip = "192.0.2.1";
    m.checked = true;
    m.starttls_offered = true;
    m.tls = true;
    m.version = "TLSv1.3";
    m.cipher = "TLS_AES_256_GCM_SHA384";
    m.cert_not_after = alert_time_s + days_left * day_seconds;
    m.cert_sha256 = "aaaa000000000000";
    m.spki_sha256 = "kkkk";
    m.cert_subject = "CN=mx.example.net";
    m.chain_complete = true;
    return m;
}

domain_facts_summary domain_of(std::vector<mx_facts> hosts) {
    domain_facts_summary d;
    d.domain = "example.net";
    d.route = "mx";
    d.mx = std::move(hosts);
    return d;
}

std::vector<std::string> kinds(const std::vector<alert_condition>& v) {
    std::vector<std::string> out;
    out.reserve(v.size());
    for (const auto& c : v) {
        out.push_back(c.kind);
    }
    std::sort(out.begin(), out.end());
    return out;
}

const alert_condition* condition_named(const std::vector<alert_condition>& v,
                                       const std::string& kind) {
    for (const auto& c : v) {
        if (c.kind == kind) {
            return &c;
        }
    }
    return nullptr;
}

} // namespace

TEST_SUITE("policy.alert_conditions") {

    TEST_CASE("a healthy domain raises nothing, first scan or not") {
        const auto d = domain_of({valid_mx()});
        CHECK(policy::domain_conditions(d, std::nullopt, {}, alert_time).empty());
        CHECK(policy::domain_conditions(d, d, {}, alert_time).empty());
    }

    TEST_CASE("certificate expiry: warning, then critical, then expired, each its own key") {
        const policy::alert_thresholds t; // 21 / 7 days
        const auto warn =
            policy::domain_conditions(domain_of({valid_mx(20)}), std::nullopt, t, alert_time);
        REQUIRE(warn.size() == 1);
        CHECK(warn[0].kind == "cert-expiry-warning");
        CHECK(warn[0].severity == "warning");
        CHECK(warn[0].key == "cert-expiry-warning:example.net:mx.example.net");
        CHECK(warn[0].message ==
              "mx.example.net's certificate expires in 20 day(s), on 2026-12-24");
        const auto crit =
            policy::domain_conditions(domain_of({valid_mx(7)}), std::nullopt, t, alert_time);
        REQUIRE(crit.size() == 1);
        CHECK(crit[0].kind == "cert-expiry-critical");
        const auto gone =
            policy::domain_conditions(domain_of({valid_mx(-1)}), std::nullopt, t, alert_time);
        REQUIRE(gone.size() == 1);
        CHECK(gone[0].kind == "cert-expiry-expired");
        CHECK(policy::domain_conditions(domain_of({valid_mx(22)}), std::nullopt, t, alert_time)
                  .empty());
        // Two addresses of one host: one alert.
        mx_facts v6 = valid_mx(20);
        v6.ip = "2001:db8::1";
        CHECK(policy::domain_conditions(domain_of({valid_mx(20), v6}), std::nullopt, t, alert_time)
                  .size() == 1);
    }

    TEST_CASE("a new certificate is seen once: same key, or a new key that breaks TLSA") {
        mx_facts renewed = valid_mx();
        renewed.cert_sha256 = "bbbb000000000000";
        const auto same_key = policy::domain_conditions(domain_of({renewed}),
                                                        domain_of({valid_mx()}), {}, alert_time);
        REQUIRE(same_key.size() == 1);
        CHECK(same_key[0].kind == "cert-changed");
        CHECK(same_key[0].key ==
              "cert-changed:example.net:mx.example.net [192.0.2.1]:bbbb000000000000");
        renewed.spki_sha256 = "newkey";
        const auto new_key = policy::domain_conditions(domain_of({renewed}),
                                                       domain_of({valid_mx()}), {}, alert_time);
        REQUIRE(new_key.size() == 1);
        CHECK(new_key[0].kind == "key-changed");
        CHECK(new_key[0].message.find("update TLSA records") != std::string::npos);
        // The next scan sees the same certificate again: nothing.
        CHECK(policy::domain_conditions(domain_of({renewed}), domain_of({renewed}), {}, alert_time)
                  .empty());
    }

    TEST_CASE("states: no STARTTLS, STARTTLS gone, chain incomplete, DANE failing") {
        mx_facts plain = valid_mx();
        plain.starttls_offered = false;
        plain.tls = false;
        const auto c =
            policy::domain_conditions(domain_of({plain}), domain_of({valid_mx()}), {}, alert_time);
        CHECK(kinds(c) == std::vector<std::string>{"starttls-gone", "starttls-missing"});
        mx_facts partial = valid_mx();
        partial.missing_intermediate = true;
        partial.policy = "dane";
        partial.dane_result_types = {"tlsa-invalid"};
        const auto s =
            policy::domain_conditions(domain_of({partial}), std::nullopt, {}, alert_time);
        CHECK(kinds(s) == std::vector<std::string>{"chain-incomplete", "dane-failing"});
        // An MX the probe could not reach says nothing either way.
        mx_facts down = valid_mx();
        down.checked = false;
        down.starttls_offered = false;
        CHECK(policy::domain_conditions(domain_of({down}), domain_of({valid_mx()}), {}, alert_time)
                  .empty());
    }

    TEST_CASE("versions and suites: lost, or weak ones gained") {
        mx_facts before = valid_mx();
        before.enumerated = true;
        before.enumeration_complete = true;
        before.versions = {{"TLSv1.2", true}, {"TLSv1.3", true}};
        before.ciphers = {{"TLSv1.2", {"ECDHE-RSA-AES128-GCM-SHA256"}},
                          {"TLSv1.3", {"TLS_AES_256_GCM_SHA384"}}};
        mx_facts after = before;
        after.versions = {{"TLSv1", true}, {"TLSv1.2", true}, {"TLSv1.3", false}};
        after.ciphers = {{"TLSv1", {"DES-CBC3-SHA"}},
                         {"TLSv1.2", {"ECDHE-RSA-AES128-GCM-SHA256", "DES-CBC3-SHA"}}};
        const auto c =
            policy::domain_conditions(domain_of({after}), domain_of({before}), {}, alert_time);
        CHECK(kinds(c) == std::vector<std::string>{"cipher-lost", "tls-version-lost",
                                                   "weak-cipher-gained", "weak-version-gained"});
        const auto* lost = condition_named(c, "tls-version-lost");
        REQUIRE(lost != nullptr);
        CHECK(lost->message == "mx.example.net [192.0.2.1] no longer accepts TLSv1.3");
    }

    // A busy server (421 to some of the enumeration's connections) leaves gaps that are not
    // changes; nor is a scan that did not enumerate at all. Seen in the soak against Exim.
    TEST_CASE("versions and suites: no change from a partial enumeration or one scan without") {
        mx_facts whole = valid_mx();
        whole.enumerated = true;
        whole.enumeration_complete = true;
        whole.versions = {{"TLSv1.2", true}, {"TLSv1.3", true}};
        whole.ciphers = {{"TLSv1.2", {"ECDHE-RSA-AES128-GCM-SHA256", "DES-CBC3-SHA"}},
                         {"TLSv1.3", {"TLS_AES_256_GCM_SHA384"}}};
        mx_facts partial = whole;
        partial.enumeration_complete = false;
        partial.versions = {{"TLSv1.2", true}};
        partial.ciphers = {{"TLSv1.2", {"ECDHE-RSA-AES128-GCM-SHA256"}}};
        CHECK(policy::domain_conditions(domain_of({partial}), domain_of({whole}), {}, alert_time)
                  .empty());
        CHECK(policy::domain_conditions(domain_of({whole}), domain_of({partial}), {}, alert_time)
                  .empty());
        mx_facts single = valid_mx();
        single.version = "TLSv1.2";
        CHECK(policy::domain_conditions(domain_of({single}), domain_of({whole}), {}, alert_time)
                  .empty());
        CHECK(policy::domain_conditions(domain_of({whole}), domain_of({single}), {}, alert_time)
                  .empty());
        // Two whole enumerations still tell a real loss.
        mx_facts fewer = whole;
        fewer.versions = {{"TLSv1.2", true}, {"TLSv1.3", false}};
        fewer.ciphers.erase("TLSv1.3");
        CHECK(kinds(policy::domain_conditions(domain_of({fewer}), domain_of({whole}), {},
                                              alert_time)) ==
              std::vector<std::string>{"cipher-lost", "tls-version-lost"});
    }

    TEST_CASE("MTA-STS: mode change, id without policy, policy without id, both") {
        auto before = domain_of({valid_mx()});
        before.sts_mode = "testing";
        before.sts_id = "1";
        before.sts_policy_fingerprint = "mode=testing;max_age=86400;mx=mx.example.net,";
        auto mode = before;
        mode.sts_mode = "enforce";
        mode.sts_id = "2";
        mode.sts_policy_fingerprint = "mode=enforce;max_age=86400;mx=mx.example.net,";
        CHECK(kinds(policy::domain_conditions(mode, before, {}, alert_time)) ==
              std::vector<std::string>{"mta-sts-mode-changed", "mta-sts-policy-changed"});
        auto id_only = before;
        id_only.sts_id = "2";
        const auto c = policy::domain_conditions(id_only, before, {}, alert_time);
        CHECK(kinds(c) == std::vector<std::string>{"mta-sts-id-without-policy"});
        auto policy_only = before;
        policy_only.sts_policy_fingerprint = "mode=testing;max_age=86400;mx=mx2.example.net,";
        const auto p = policy::domain_conditions(policy_only, before, {}, alert_time);
        REQUIRE(p.size() == 1);
        CHECK(p[0].kind == "mta-sts-policy-without-id");
        CHECK(p[0].severity == "critical");
    }

    TEST_CASE("a result type that appears is new once, the policy host's certificate expires too") {
        auto before = domain_of({valid_mx()});
        auto after = before;
        after.result_types = {"certificate-host-mismatch"};
        after.sts_cert_not_after = alert_time_s + 3 * day_seconds;
        const auto c = policy::domain_conditions(after, before, {}, alert_time);
        CHECK(kinds(c) == std::vector<std::string>{"new-result-type", "sts-cert-expiry-critical"});
        CHECK(condition_named(c, "new-result-type")->key ==
              "new-result-type:example.net:example.net:certificate-host-mismatch");
        CHECK(kinds(policy::domain_conditions(after, after, {}, alert_time)) ==
              std::vector<std::string>{"sts-cert-expiry-critical"});
    }

    TEST_CASE("TLS-RPT failure rate per receiving MX, above the threshold with enough sessions") {
        policy::inbound_summary s;
        s.domain = "example.org";
        s.successes = 90;
        s.failures = 10;
        s.receiving_mx["mx1.example.org"].failures = 9;
        s.receiving_mx["mx1.example.org"].failure_types["certificate-expired"] = 9;
        s.receiving_mx["mx2.example.org"].failures = 1;
        const auto c = policy::tlsrpt_conditions(s, {});
        REQUIRE(c.size() == 1);
        CHECK(c[0].key == "tlsrpt-failure-rate:example.org:mx1.example.org");
        CHECK(c[0].message == "senders report 9.0% of 100 sessions to example.org failing at "
                              "mx1.example.org (certificate-expired 9)");
        policy::alert_thresholds few;
        few.min_sessions = 1000;
        CHECK(policy::tlsrpt_conditions(s, few).empty());
    }
}
