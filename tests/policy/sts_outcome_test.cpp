// Judging MTA-STS discovery: the TXT RRset and the fetched policy together decide whether a
// sender has a policy and which RFC 8460 result type it reports (STANDARDS §7 rows 15-18).

#include "policy/sts_outcome.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using probe::fetch_failure;
using resolver::dns_status;

resolver::txt_answer txt_answer_of(std::vector<std::string> texts,
                                   dns_status status = dns_status::noerror) {
    resolver::txt_answer a;
    a.name = "_mta-sts.example.com";
    a.status = status;
    for (auto& t : texts) {
        a.records.push_back({std::move(t), 1});
    }
    return a;
}

probe::https_response answered(std::string body) {
    probe::https_response r;
    r.ip = "192.0.2.1";
    r.status = 200;
    r.content_type = "text/plain";
    r.body = std::move(body);
    return r;
}

probe::https_response failed(fetch_failure f, std::string why) {
    probe::https_response r;
    r.failure = f;
    r.error = std::move(why);
    return r;
}

const std::string good_policy =
    "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n";

} // namespace

TEST_SUITE("policy.sts_outcome") {

    TEST_CASE("a valid record and policy: the policy applies, nothing to report") {
        const auto o = policy::judge_sts_discovery(
            "example.com", txt_answer_of({"v=STSv1; id=abc;"}), answered(good_policy));
        CHECK(o.has_policy());
        CHECK_FALSE(o.result_type);
        CHECK(o.error.empty());
        CHECK(o.policy_host == "mta-sts.example.com");
        REQUIRE(o.policy);
        CHECK(o.policy->mode == policy::sts_mode::enforce);
        const nlohmann::json j = o;
        CHECK(j["txt"]["id"] == "abc");
        CHECK(j["policy"]["mode"] == "enforce");
        CHECK(j["result_type"].is_null());
        CHECK(j["error"].is_null());
    }

    TEST_CASE("no _mta-sts record: no policy, no error, null txt and policy in JSON") {
        const auto o = policy::judge_sts_discovery(
            "example.com", txt_answer_of({}, dns_status::nxdomain), std::nullopt);
        CHECK_FALSE(o.has_policy());
        CHECK_FALSE(o.result_type);
        CHECK(o.error.empty());
        const nlohmann::json j = o;
        CHECK(j["txt"].is_null());
        CHECK(j["policy"].is_null());
        CHECK(j["fetch"].is_null());
        CHECK(j["error"].is_null());
    }

    TEST_CASE("records that are not STSv1 are no policy either") {
        const auto o = policy::judge_sts_discovery("example.com", txt_answer_of({"v=spf1 -all"}),
                                                   std::nullopt);
        CHECK_FALSE(o.has_policy());
        CHECK(o.error.empty());
        CHECK(o.txt.discarded == 1);
    }

    TEST_CASE("fetch failures map to their result types with the concrete reason") {
        struct row {
            fetch_failure failure;
            const char* type;
        };
        for (const row r : {row{fetch_failure::certificate, "sts-webpki-invalid"},
                            row{fetch_failure::redirect, "sts-policy-fetch-error"},
                            row{fetch_failure::http_status, "sts-policy-fetch-error"},
                            row{fetch_failure::too_large, "sts-policy-fetch-error"},
                            row{fetch_failure::media_type, "sts-policy-invalid"}}) {
            CAPTURE(probe::to_string(r.failure));
            const auto o = policy::judge_sts_discovery(
                "example.com", txt_answer_of({"v=STSv1; id=1;"}), failed(r.failure, "the reason"));
            CHECK_FALSE(o.has_policy());
            REQUIRE(o.result_type);
            CHECK(*o.result_type == r.type);
            CHECK(o.error == "mta-sts.example.com: the reason");
        }
    }

    TEST_CASE("an invalid policy body is sts-policy-invalid naming the line") {
        const auto o = policy::judge_sts_discovery(
            "example.com", txt_answer_of({"v=STSv1; id=1;"}),
            answered("version: STSv1\nmode: Enforce\nmx: mx.example.com\nmax_age: 1\n"));
        REQUIRE(o.result_type);
        CHECK(*o.result_type == "sts-policy-invalid");
        CHECK(o.error.find("line 2") != std::string::npos);
        REQUIRE(o.policy);
        CHECK_FALSE(o.policy->valid());
    }

    TEST_CASE("a broken TXT record is a defect, not a reportable result, even with a good policy") {
        const auto o = policy::judge_sts_discovery(
            "example.com", txt_answer_of({"v=STSv1; id=2026-12-03;"}), answered(good_policy));
        CHECK_FALSE(o.has_policy());
        CHECK_FALSE(o.result_type);
        CHECK(o.error.find("_mta-sts.example.com") == 0);
        REQUIRE(o.policy); // still parsed, so the report can show it (STS-40)
        CHECK(o.policy->valid());
    }

    TEST_CASE("two STSv1 records: no usable record (STS-5)") {
        const auto o = policy::judge_sts_discovery(
            "example.com", txt_answer_of({"v=STSv1; id=one;", "v=STSv1; id=two;"}),
            answered(good_policy));
        CHECK(o.txt.status == policy::sts_txt_status::several);
        CHECK_FALSE(o.has_policy());
        CHECK_FALSE(o.result_type);
        CHECK_FALSE(o.error.empty());
    }

    TEST_CASE("a TXT lookup that fails is an error without a result type") {
        const auto o = policy::judge_sts_discovery(
            "example.com", txt_answer_of({}, dns_status::servfail), std::nullopt);
        CHECK_FALSE(o.has_policy());
        CHECK_FALSE(o.result_type);
        CHECK(o.error.find("servfail") != std::string::npos);
    }
}
