// The `_smtp._tls` TXT record (RFC 8460 §3, STANDARDS RPT-2..RPT-9), checked against every
// vector of tests/data/tlsrpt-txt (mox, sys4, RFC examples, records seen in public DNS).

#include "policy/tlsrpt_txt.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

nlohmann::json load(const std::string& name) {
    std::ifstream in(std::string(MXPROBE_SOURCE_DIR) + "/tests/data/tlsrpt-txt/" + name);
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

bool has_warning(const policy::tlsrpt_txt_result& r, const std::string& part) {
    for (const auto& w : r.record.warnings) {
        if (w.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_SUITE("policy.tlsrpt_txt") {

    TEST_CASE("mox vectors: the valid ones give their rua groups and extensions") {
        const auto doc = load("mox_tlsrpt_record_vectors.json");
        for (const auto& v : doc["valid"]) {
            const auto txt = v["txt"].get<std::string>();
            CAPTURE(txt);
            const auto r = policy::parse_tlsrpt_txt(txt);
            REQUIRE_MESSAGE(r.valid, r.error);
            std::vector<std::string> rua;
            for (const auto& group : v["rua_groups"]) {
                for (const auto& uri : group) {
                    rua.push_back(uri.get<std::string>());
                }
            }
            CHECK(r.record.rua == rua);
            CHECK(r.record.extensions.size() == v["extensions"].size());
            for (std::size_t i = 0; i < r.record.extensions.size(); ++i) {
                CHECK(r.record.extensions[i].first == v["extensions"][i][0]);
                CHECK(r.record.extensions[i].second == v["extensions"][i][1]);
            }
        }
    }

    TEST_CASE("mox vectors: every invalid one is rejected with a reason") {
        const auto doc = load("mox_tlsrpt_record_vectors.json");
        for (const auto& v : doc["invalid"]) {
            const auto txt = v["txt"].get<std::string>();
            CAPTURE(txt);
            const auto r = policy::parse_tlsrpt_txt(txt);
            CHECK_FALSE(r.valid);
            CHECK_FALSE(r.error.empty());
        }
    }

    TEST_CASE("sys4 vectors, RFC 8460 examples and observed records") {
        const auto sys4 = load("sys4_tlsrpt_rr_vectors.json");
        for (const auto& v : sys4["valid"]) {
            CAPTURE(v["txt"].get<std::string>());
            const auto r = policy::parse_tlsrpt_txt(v["txt"].get<std::string>());
            REQUIRE_MESSAGE(r.valid, r.error);
            CHECK(r.record.rua == v["rua"].get<std::vector<std::string>>());
            CHECK(r.record.extensions.size() ==
                  v.value("extensions", nlohmann::json::array()).size());
        }
        for (const auto& v : sys4["invalid"]) {
            CHECK_FALSE(policy::parse_tlsrpt_txt(v["txt"].get<std::string>()).valid);
        }
        const nlohmann::json examples = load("rfc8460_examples.json");
        for (const auto& v : examples["valid"]) {
            CAPTURE(v["txt"].get<std::string>());
            CHECK(policy::parse_tlsrpt_txt(v["txt"].get<std::string>()).valid);
        }
        const nlohmann::json observed = load("observed_records.json");
        for (const auto& v : observed["records"]) {
            const auto txt = v["txt"].get<std::string>();
            CAPTURE(txt);
            // The only invalid record seen in the wild is the bare version tag (no rua).
            CHECK(policy::parse_tlsrpt_txt(txt).valid == (txt != "v=TLSRPTv1"));
        }
    }

    TEST_CASE("STANDARDS §9 vectors and error reasons") {
        auto r = policy::parse_tlsrpt_txt(
            "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.net/x");
        REQUIRE(r.valid);
        CHECK(r.record.rua.size() == 2);
        r = policy::parse_tlsrpt_txt("V=TLSRPTv1; rua=mailto:a@example.com");
        CHECK_FALSE(r.valid);
        CHECK(r.error.find("case-sensitive") != std::string::npos);
        CHECK(policy::parse_tlsrpt_txt("v=TLSRPTv1").error == "no rua= field");
        CHECK(policy::parse_tlsrpt_txt("v=TLSRPTv1; rua=noscheme").error.find("no URI scheme") !=
              std::string::npos);
        CHECK(policy::parse_tlsrpt_txt("v=TLSRPTv1; rua=http://bad/%").error.find("'%'") !=
              std::string::npos);
    }

    TEST_CASE("an unusable URI next to a usable one is reported, the record still works") {
        const auto r = policy::parse_tlsrpt_txt(
            "v=TLSRPTv1; rua=ftp://x.example/r, mailto:a b@example.com, https://r.example/x");
        REQUIRE(r.valid);
        CHECK(r.record.rua == std::vector<std::string>{"https://r.example/x"});
        REQUIRE(r.record.rejected.size() == 2);
        CHECK(r.record.rejected[0].reason.find("not mailto: or https:") != std::string::npos);
        CHECK(r.record.rejected[1].reason.find("whitespace") != std::string::npos);
        CHECK(has_warning(r, "unusable"));
    }

    TEST_CASE("only mailto: and https: count, all unusable means no destination (RPT-4)") {
        const auto r = policy::parse_tlsrpt_txt("v=TLSRPTv1; rua=http://r.example/x");
        CHECK_FALSE(r.valid);
        CHECK(r.error.find("no usable URI") != std::string::npos);
        CHECK(r.record.rejected.size() == 1);
    }

    TEST_CASE("'!' inside a URI must be %-encoded, %21 is fine") {
        CHECK_FALSE(policy::parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:a!b@example.com").valid);
        CHECK(policy::parse_tlsrpt_txt("v=TLSRPTv1; rua=mailto:a%21b@example.com").valid);
    }

    TEST_CASE("RPT-9 defects that still parse carry a warning") {
        CHECK(has_warning(policy::parse_tlsrpt_txt("v=TLSRPTv1 ;rua=mailto:a@example.com"),
                          "whitespace"));
        CHECK(has_warning(policy::parse_tlsrpt_txt(
                              "v=TLSRPTv1;rua=mailto:a@example.com;rua=mailto:b@example.com"),
                          "several rua"));
        CHECK_FALSE(policy::parse_tlsrpt_txt("v=TSLRPTv1;rua=mailto:a@example.com").valid);
    }

    TEST_CASE("several TXT records: exactly one TLSRPTv1 record counts (RPT-5)") {
        const std::string good = "v=TLSRPTv1;rua=mailto:a@example.com";
        auto r = policy::select_tlsrpt_txt({"v=spf1 -all", good});
        CHECK(r.valid);
        r = policy::select_tlsrpt_txt({good, "v=TLSRPTv1;rua=mailto:b@example.com"});
        CHECK_FALSE(r.valid);
        CHECK(r.error.find("2 v=TLSRPTv1 records") != std::string::npos);
        r = policy::select_tlsrpt_txt({"v=spf1 -all", "v=TLSRPTv10;rua=mailto:a@example.com"});
        CHECK_FALSE(r.valid);
        CHECK(r.error == "no v=TLSRPTv1 record");
    }

    TEST_CASE("to_json carries the reason of an invalid record") {
        const nlohmann::json j = policy::parse_tlsrpt_txt("v=TLSRPTv1; rua=,, ,");
        CHECK(j["valid"] == false);
        CHECK(j["error"].get<std::string>().find("no usable URI") != std::string::npos);
        CHECK(j["record"]["rejected"].size() == 4);
    }
}
