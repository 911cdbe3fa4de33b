// Whether an MTA-STS policy covers a domain's MX hosts (RFC 8461 §4.1), and the verdict on
// the whole set-up: which findings make `mxprobe mta-sts` exit 0, 1, 2 or 3.

#include "policy/sts_coverage.hpp"
#include "policy/sts_verdict.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using resolver::dns_status;

resolver::mx_answer mx_answer_of(const std::vector<std::pair<std::uint16_t, std::string>>& hosts,
                                 dns_status status = dns_status::noerror) {
    resolver::mx_answer a;
    a.name = "example.com";
    a.status = status;
    for (const auto& [preference, host] : hosts) {
        a.records.push_back({preference, host});
    }
    return a;
}

std::string body_of(const std::string& mode, const std::vector<std::string>& patterns) {
    std::string body = "version: STSv1\nmode: " + mode + "\n";
    for (const auto& p : patterns) {
        body += "mx: " + p + "\n";
    }
    return body + "max_age: 86400\n";
}

policy::sts_policy parsed_policy(const std::string& mode,
                                 const std::vector<std::string>& patterns) {
    return policy::parse_sts_policy(body_of(mode, patterns));
}

resolver::txt_answer sts_txt() {
    resolver::txt_answer a;
    a.name = "_mta-sts.example.com";
    a.status = dns_status::noerror;
    a.records.push_back({"v=STSv1; id=1;", 1});
    return a;
}

probe::https_response served_policy(const std::string& body) {
    probe::https_response r;
    r.status = 200;
    r.content_type = "text/plain";
    r.body = body;
    return r;
}

// Discovery with a served policy, then coverage and verdict, as `mxprobe mta-sts` does it.
policy::sts_verdict verdict_for(const std::string& body, const resolver::mx_answer& answer) {
    const auto outcome = policy::judge_sts_discovery("example.com", sts_txt(), served_policy(body));
    return policy::judge_sts(outcome,
                             policy::check_sts_coverage("example.com", answer, outcome.policy));
}

} // namespace

TEST_SUITE("policy.sts_coverage") {

    TEST_CASE("hosts in preference order, each once, matched by the first pattern") {
        const auto c = policy::check_sts_coverage(
            "example.com.",
            mx_answer_of(
                {{20, "mx2.example.com."}, {10, "MX1.example.com"}, {30, "mx2.example.com"}}),
            parsed_policy("enforce", {"*.example.com", "mx1.example.com"}));
        CHECK(c.mx_name == "example.com");
        CHECK(c.checked);
        REQUIRE(c.hosts.size() == 2);
        CHECK(c.hosts[0].host == "MX1.example.com");
        CHECK(c.hosts[0].preference == 10);
        CHECK(c.hosts[0].pattern == "*.example.com");
        CHECK(c.hosts[1].host == "mx2.example.com");
        CHECK(c.uncovered == 0);
        CHECK(c.unused_patterns.empty()); // mx1.example.com matches, though not first
    }

    TEST_CASE("a wildcard covers one label only, unmatched patterns are listed") {
        const auto c = policy::check_sts_coverage(
            "example.com", mx_answer_of({{10, "a.b.example.com"}, {20, "example.com"}}),
            parsed_policy("testing", {"*.example.com", "backup.example.net"}));
        CHECK(c.uncovered == 2);
        CHECK_FALSE(c.hosts[0].pattern);
        CHECK(c.unused_patterns == std::vector<std::string>{"*.example.com", "backup.example.net"});
    }

    TEST_CASE("a host outside the policy: validation-failure in enforce and testing mode only") {
        const auto hosts = mx_answer_of({{10, "mx1.example.com"}, {20, "mx2.example.com"}});
        for (const char* mode : {"enforce", "testing"}) {
            CAPTURE(mode);
            const auto c = policy::check_sts_coverage("example.com", hosts,
                                                      parsed_policy(mode, {"mx1.example.com"}));
            CHECK(c.hosts[0].result_type.empty());
            CHECK(c.hosts[1].result_type == "validation-failure");
        }
        const auto none = policy::check_sts_coverage("example.com", hosts,
                                                     parsed_policy("none", {"mx1.example.com"}));
        CHECK(none.uncovered == 1);
        CHECK(none.hosts[1].result_type.empty());
        const auto invalid = policy::check_sts_coverage(
            "example.com", hosts,
            policy::parse_sts_policy("version: STSv1\nmx: mx1.example.com\n"));
        CHECK(invalid.uncovered == 1);
        CHECK(invalid.hosts[1].result_type.empty());
    }

    TEST_CASE("null MX, implicit MX and a failed lookup") {
        const auto null_mx = policy::check_sts_coverage(
            "example.com", mx_answer_of({{0, ""}}), parsed_policy("enforce", {"mx.example.com"}));
        CHECK(null_mx.null_mx);
        CHECK(null_mx.hosts.empty());

        const auto implicit =
            policy::check_sts_coverage("example.com", mx_answer_of({}, dns_status::nodata),
                                       parsed_policy("enforce", {"example.com"}));
        CHECK(implicit.implicit_mx);
        REQUIRE(implicit.hosts.size() == 1);
        CHECK(implicit.hosts[0].pattern == "example.com");

        const auto failed =
            policy::check_sts_coverage("example.com", mx_answer_of({}, dns_status::timeout),
                                       parsed_policy("enforce", {"mx.example.com"}));
        CHECK_FALSE(failed.mx_answered());
        CHECK_FALSE(failed.checked);
        const nlohmann::json j = failed;
        CHECK(j["status"] == "timeout");
    }

    TEST_CASE("without a policy the hosts are listed, nothing is checked") {
        const auto c = policy::check_sts_coverage(
            "example.com", mx_answer_of({{10, "mx.example.com"}}), std::nullopt);
        CHECK_FALSE(c.checked);
        CHECK(c.hosts.size() == 1);
        const nlohmann::json j = c;
        CHECK(j["hosts"][0]["covered"].is_null());
    }
}

TEST_SUITE("policy.sts_verdict") {

    TEST_CASE("every MX covered: ok, no findings") {
        const auto v =
            verdict_for(body_of("enforce", {"mx1.example.com", "mx2.example.com"}),
                        mx_answer_of({{10, "mx1.example.com"}, {20, "mx2.example.com"}}));
        CHECK(v.findings.empty());
        CHECK(v.overall == policy::severity::ok);
    }

    TEST_CASE(
        "an MX outside the policy: critical in enforce, warning in testing, nothing in none") {
        const auto hosts = mx_answer_of({{10, "mx1.example.com"}, {20, "mx2.example.com"}});
        const auto enforce = verdict_for(body_of("enforce", {"mx1.example.com"}), hosts);
        REQUIRE(enforce.findings.size() == 1);
        CHECK(enforce.findings[0].code == "mx-not-in-policy");
        CHECK(enforce.findings[0].message.find("will not deliver to it") != std::string::npos);
        CHECK(enforce.overall == policy::severity::critical);

        CHECK(verdict_for(body_of("testing", {"mx1.example.com"}), hosts).overall ==
              policy::severity::warning);
        CHECK(verdict_for(body_of("none", {"mx1.example.com"}), hosts).findings.empty());
    }

    TEST_CASE("an enforce policy that covers no MX says mail cannot be delivered at all") {
        const auto v = verdict_for(body_of("enforce", {"old.example.com"}),
                                   mx_answer_of({{10, "mx1.example.com"}}));
        REQUIRE(v.findings.size() == 1);
        CHECK(v.findings[0].message.find("cannot deliver to the domain at all") !=
              std::string::npos);
    }

    TEST_CASE("notes on the policy text are warnings") {
        const auto v =
            verdict_for("version: STSv1\nmode: enforce\nmx: mx1.example.com\nmax_age: 86400\n"
                        "max_age: 5\n",
                        mx_answer_of({{10, "mx1.example.com"}}));
        REQUIRE(v.findings.size() == 1);
        CHECK(v.findings[0].code == "sts-policy-note");
        CHECK(v.findings[0].message.find("line 5") == 0);
        CHECK(v.overall == policy::severity::warning);
    }

    TEST_CASE("a failed MX lookup: unknown with a policy, not judged without one") {
        const auto failed = mx_answer_of({}, dns_status::servfail);
        const auto v = verdict_for(body_of("enforce", {"mx1.example.com"}), failed);
        REQUIRE(v.findings.size() == 1);
        CHECK(v.findings[0].code == "mx-lookup-failed");
        CHECK(v.overall == policy::severity::unknown);

        // A fetch failure: the result type decides, the MX lookup does not matter.
        probe::https_response refused;
        refused.failure = probe::fetch_failure::http_status;
        refused.error = "HTTP 404 Not Found";
        const auto o = policy::judge_sts_discovery("example.com", sts_txt(), refused);
        const auto w =
            policy::judge_sts(o, policy::check_sts_coverage("example.com", failed, o.policy));
        REQUIRE(w.findings.size() == 1);
        CHECK(w.findings[0].code == "sts-policy-fetch-error");
        CHECK(w.overall == policy::severity::critical);
    }

    TEST_CASE("no MTA-STS at all is ok, a failed TXT lookup is unknown") {
        resolver::txt_answer none;
        none.status = dns_status::nxdomain;
        const auto absent = policy::judge_sts_discovery("example.com", none, std::nullopt);
        CHECK(policy::judge_sts(
                  absent, policy::check_sts_coverage(
                              "example.com", mx_answer_of({{10, "mx.example.com"}}), absent.policy))
                  .overall == policy::severity::ok);

        resolver::txt_answer timeout;
        timeout.status = dns_status::timeout;
        const auto failed = policy::judge_sts_discovery("example.com", timeout, std::nullopt);
        const auto v = policy::judge_sts(
            failed, policy::check_sts_coverage("example.com", mx_answer_of({}), std::nullopt));
        REQUIRE(v.findings.size() == 1);
        CHECK(v.findings[0].code == "sts-txt-lookup-failed");
        CHECK(v.overall == policy::severity::unknown);
    }
}
