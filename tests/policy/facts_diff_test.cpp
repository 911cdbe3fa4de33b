// What changed between two scans of one domain, from plain facts: each kind of change on its
// own, nothing for identical facts, and what is not compared (an MX that could not be
// checked, versions without enumeration on both sides).

#include "policy/coverage.hpp"
#include "policy/facts_diff.hpp"

#include <doctest/doctest.h>

using policy::diff_facts;
using policy::domain_facts_summary;
using policy::fact_change;
using policy::mx_facts;

namespace {

mx_facts good_mx_facts(const std::string& host, const std::string& ip) {
    mx_facts m;
    m.host = host;
    m.ip = ip;
    m.verdict = "ok";
    m.status = "success";
    m.checked = true;
    m.starttls_offered = true;
    m.tls = true;
    m.version = "TLSv1.3";
    m.cert_sha256 = std::string(64, 'a');
    m.spki_sha256 = std::string(64, 'b');
    m.cert_not_after = 1830297600; // 2028-01-01
    m.chain_complete = true;
    m.cert_trusted = true;
    m.hostname_match = true;
    m.dane_status = "no_records";
    return m;
}

domain_facts_summary good_domain() {
    domain_facts_summary d;
    d.domain = "example.test";
    d.verdict = "ok";
    d.route = "mx";
    d.mx = {good_mx_facts("mx1.example.test", "192.0.2.1"),
            good_mx_facts("mx2.example.test", "192.0.2.2")};
    d.sts_mode = "enforce";
    d.sts_id = "20261201";
    d.sts_policy_fingerprint = "mode=enforce;max_age=86400;mx=*.example.test";
    d.sts_cert_sha256 = std::string(64, 'c');
    d.dane_status = "none";
    return d;
}

std::vector<std::string> whats(const std::vector<fact_change>& changes) {
    std::vector<std::string> out;
    out.reserve(changes.size());
    for (const auto& c : changes) {
        out.push_back(c.what);
    }
    return out;
}

} // namespace

TEST_SUITE("policy.facts_diff") {

    TEST_CASE("identical facts: no change") {
        CHECK(diff_facts(good_domain(), good_domain()).empty());
    }

    TEST_CASE("verdict, route and result types gained and lost, domain-wide changes first") {
        auto before = good_domain();
        before.result_types = {"certificate-expired"};
        auto after = good_domain();
        after.verdict = "critical";
        after.result_types = {"starttls-not-supported"};
        after.mx[1].starttls_offered = false;
        const auto changes = diff_facts(before, after);
        CHECK(whats(changes) == std::vector<std::string>{"verdict", "result-type-gained",
                                                         "result-type-lost", "starttls"});
        CHECK(changes[0].text == "verdict ok -> critical");
        CHECK(changes[1].to == "starttls-not-supported");
        CHECK(changes[1].from.empty());
        CHECK(changes[2].from == "certificate-expired");
        CHECK(changes[3].host == "mx2.example.test");
        CHECK(changes[3].ip == "192.0.2.2");
        CHECK(changes[3].text == "mx2.example.test [192.0.2.2]: STARTTLS offered -> not offered");
    }

    TEST_CASE("a renewed certificate with the same key, then a new key and an incomplete chain") {
        auto before = good_domain();
        auto renewed = good_domain();
        renewed.mx[0].cert_sha256 = std::string(64, 'd');
        renewed.mx[0].cert_not_after = 1861920000; // 2029-01-01
        auto changes = diff_facts(before, renewed);
        REQUIRE(changes.size() == 1);
        CHECK(changes[0].what == "certificate");
        CHECK(changes[0].from == std::string(64, 'a'));
        CHECK(changes[0].to == std::string(64, 'd'));
        CHECK(changes[0].text == "mx1.example.test [192.0.2.1]: certificate aaaaaaaaaaaaaaaa... "
                                 "(until 2028-01-01) -> dddddddddddddddd... (until 2029-01-01)");

        auto rekeyed = renewed;
        rekeyed.mx[0].spki_sha256 = std::string(64, 'e');
        rekeyed.mx[0].chain_complete = false;
        changes = diff_facts(before, rekeyed);
        CHECK(whats(changes) == std::vector<std::string>{"certificate", "key", "chain"});
        CHECK(changes[2].text == "mx1.example.test [192.0.2.1]: chain complete -> incomplete");
    }

    TEST_CASE("TLS versions: the negotiated one always, accepted ones when both enumerated") {
        auto before = good_domain();
        auto after = good_domain();
        after.mx[0].version = "TLSv1.2";
        before.mx[0].versions = {{"TLSv1.2", true}, {"TLSv1.3", true}, {"TLSv1", true}};
        after.mx[0].versions = {{"TLSv1.2", true}, {"TLSv1.3", false}, {"TLSv1", false}};
        for (auto* d : {&before, &after}) {
            d->mx[0].enumerated = true;
            d->mx[0].enumeration_complete = true;
        }
        auto changes = diff_facts(before, after);
        CHECK(whats(changes) ==
              std::vector<std::string>{"tls-version", "tls-version-lost", "tls-version-lost"});
        CHECK(changes[0].text == "mx1.example.test [192.0.2.1]: TLS TLSv1.3 -> TLSv1.2");
        CHECK(changes[1].from == "TLSv1");
        CHECK(changes[2].text == "mx1.example.test [192.0.2.1]: TLSv1.3 no longer accepted");
        // An enumeration the server cut short (busy): what it missed is not "lost".
        after.mx[0].enumeration_complete = false;
        CHECK(whats(diff_facts(before, after)) == std::vector<std::string>{"tls-version"});
        // One side without an enumeration: nothing to say about accepted versions.
        after.mx[0].versions.clear();
        after.mx[0].enumerated = false;
        CHECK(whats(diff_facts(before, after)) == std::vector<std::string>{"tls-version"});
    }

    TEST_CASE("MTA-STS mode, id, policy and policy-host certificate, DANE per MX and overall") {
        auto before = good_domain();
        auto after = good_domain();
        after.sts_mode = "testing";
        after.sts_id = "20261202";
        after.sts_policy_fingerprint = "mode=testing;max_age=86400;mx=*.example.test";
        after.sts_cert_sha256 = std::string(64, 'f');
        after.dane_status = "partial";
        after.mx[0].dane_status = "applies";
        after.mx[0].dane_authenticated = false;
        const auto changes = diff_facts(before, after);
        CHECK(whats(changes) == std::vector<std::string>{"mta-sts-mode", "mta-sts-id",
                                                         "mta-sts-policy", "mta-sts-certificate",
                                                         "dane", "mx-dane"});
        CHECK(changes[0].text == "MTA-STS mode enforce -> testing");
        CHECK(changes[5].text ==
              "mx1.example.test [192.0.2.1]: DANE no_records -> applies, NOT authenticated");
        // The policy dropped altogether: the mode says it, the fingerprint has nothing to compare.
        auto gone = good_domain();
        gone.sts_mode.reset();
        gone.sts_policy_fingerprint.clear();
        const auto dropped = diff_facts(before, gone);
        CHECK(whats(dropped) == std::vector<std::string>{"mta-sts-mode"});
        CHECK(dropped[0].text == "MTA-STS mode enforce -> none");
    }

    TEST_CASE("MX addresses added and removed, an unreachable one compared by its status only") {
        auto before = good_domain();
        auto after = good_domain();
        after.mx[1] = good_mx_facts("mx3.example.test", "192.0.2.3");
        after.mx[0].checked = false;
        after.mx[0].status = "io_timeout";
        after.mx[0].tls = false;
        after.mx[0].version.clear();
        after.mx[0].cert_sha256.clear();
        const auto changes = diff_facts(before, after);
        CHECK(whats(changes) == std::vector<std::string>{"probe", "mx-added", "mx-removed"});
        CHECK(changes[0].text == "mx1.example.test [192.0.2.1]: probe success -> io_timeout");
        CHECK(changes[1].to == "mx3.example.test [192.0.2.3]");
        CHECK(changes[2].from == "mx2.example.test [192.0.2.2]");
        CHECK(changes[2].text == "mx2.example.test [192.0.2.2]: MX address removed");
    }

    TEST_CASE("a host that moved to another address is compared with its old address") {
        auto before = good_domain();
        auto after = good_domain();
        after.mx[0].ip = "192.0.2.9";
        after.mx[0].version = "TLSv1.2";
        const auto changes = diff_facts(before, after);
        CHECK(whats(changes) == std::vector<std::string>{"address", "tls-version"});
        CHECK(changes[0].text == "mx1.example.test [192.0.2.9]: address 192.0.2.1 -> 192.0.2.9");
    }
}

TEST_SUITE("policy.coverage") {

    TEST_CASE("reported sessions: sts and tlsa successes validated, others opportunistic") {
        policy::tlsrpt_report a;
        a.policies.resize(2);
        a.policies[0].policy_type = "sts";
        a.policies[0].total_successful_session_count = 90;
        a.policies[0].total_failure_session_count = 10;
        a.policies[1].policy_type = "no-policy-found";
        a.policies[1].total_successful_session_count = 50;
        policy::tlsrpt_report b;
        b.policies.resize(1);
        b.policies[0].policy_type = "tlsa";
        b.policies[0].total_successful_session_count = 5;
        b.policies[0].total_failure_session_count = 1;
        const auto s = policy::sum_reported_sessions({a, b});
        CHECK(s.sessions.validated == 95);
        CHECK(s.sessions.opportunistic == 50);
        CHECK(s.sessions.failed == 11);
        CHECK(s.sessions.total() == 156);
        CHECK(s.policy_types.at("sts").failure == 10);
        CHECK(s.policy_types.at("no-policy-found").success == 50);
        CHECK(s.policy_types.at("tlsa").success == 5);
    }
}
