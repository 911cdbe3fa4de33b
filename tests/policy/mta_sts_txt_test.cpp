// Table tests of the `_mta-sts` TXT record parser (RFC 8461 §3.1, STANDARDS STS-1..STS-8 and
// §9), plus every TXT vector of tests/data/mta-sts (see its SOURCES.md).

#include "policy/mta_sts_txt.hpp"
#include "tests/support/test_data.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace doctest {
template <> struct StringMaker<policy::sts_txt_status> {
    static String convert(policy::sts_txt_status s) {
        return String(std::string(policy::to_string(s)).c_str());
    }
};
} // namespace doctest

namespace {

using policy::sts_txt_status;

using mxprobe_test::load_json;

} // namespace

TEST_SUITE("policy.mta_sts_txt") {

    TEST_CASE("STANDARDS §9 vectors: the RFC example is valid, hyphen and 33 characters not") {
        const auto ok = policy::parse_sts_txt({"v=STSv1; id=20160831085700Z;"});
        CHECK(ok.status == sts_txt_status::valid);
        CHECK(ok.id == "20160831085700Z");
        CHECK(ok.error.empty());

        const auto hyphen = policy::parse_sts_txt({"v=STSv1; id=2024-01-01"});
        CHECK(hyphen.status == sts_txt_status::invalid);
        CHECK(hyphen.error == "id '2024-01-01' has a character other than a letter or digit");
        CHECK(hyphen.id.empty());

        const std::string id32(32, 'a');
        CHECK(policy::parse_sts_txt({"v=STSv1; id=" + id32}).id == id32);
        const auto long_id = policy::parse_sts_txt({"v=STSv1; id=" + id32 + "b"});
        CHECK(long_id.status == sts_txt_status::invalid);
        CHECK(long_id.error.find("33 characters, more than 32") != std::string::npos);
    }

    TEST_CASE("each grammar defect is named in the error") {
        const struct {
            const char* record;
            const char* error; // empty: valid
        } cases[] = {
            {"v=STSv1;id=abc", ""},
            {"v=STSv1 ; id=abc ; ", ""},
            {"v=STSv1;\tid=abc;\t", ""},
            {"v=STSv1; x=1; id=abc", ""}, // order of fields does not matter (STS-3)
            {"v=STSv1; id=abc-1", "id 'abc-1' has a character other than a letter or digit"},
            {"v=STSv1; id=", "id is empty"},
            {"v=STSv1; id=abc; id=def", "id appears twice"},
            {"v=STSv1; ID=abc", "no id field (keys are case-sensitive: found 'ID')"},
            {"v=STSv1", "no id field after v=STSv1"},
            {"v=STSv1;", "no id field after v=STSv1"},
            {"v=STSv1 id=abc", "expected ';' before 'id=abc'"},
            {"v=STSv1; id=abc ", "space after the last field (only '; ' may end the record)"},
            {"v=STSv1; id abc", "field 'id' has no '='"},
            {"v=STSv1; id=abc; =x", "a field has no name before '='"},
            {"v=STSv1; id=abc; _x=1", "extension name '_x' does not begin with a letter or digit"},
            {"v=STSv1; id=abc; a/b=1",
             "extension name 'a/b' has a character other than a letter, digit, '_', '-' or '.'"},
            {"v=STSv1; id=abc; k=a=b",
             "extension 'k' has value 'a=b' with a character that is not printable ASCII or is "
             "'='"},
            {"v=STSv1; id=abc; k=\xc3\xa9", "the record is not US-ASCII"},
            {"id=abc; v=STSv1", "the record does not begin with v=STSv1 (case-sensitive)"},
            {"V=STSv1; id=abc", "the record does not begin with v=STSv1 (case-sensitive)"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.record);
            const auto r = policy::parse_sts_txt_record(c.record);
            CHECK(r.error == c.error);
            CHECK(r.valid() == (std::string(c.error).empty()));
            CHECK(r.raw == c.record);
        }
    }

    TEST_CASE("extensions are validated, kept in order, and otherwise ignored (STS-8)") {
        const auto r = policy::parse_sts_txt_record("v=STSv1; a.b-c_d=x!y; id=7; z=1");
        REQUIRE(r.valid());
        CHECK(r.id == "7");
        REQUIRE(r.extensions.size() == 2);
        CHECK(r.extensions[0].first == "a.b-c_d");
        CHECK(r.extensions[0].second == "x!y");
        CHECK(r.extensions[1].first == "z");
    }

    TEST_CASE("RRset: other records are discarded, exactly one v=STSv1 record must remain") {
        const auto none = policy::parse_sts_txt({});
        CHECK(none.status == sts_txt_status::no_record);
        CHECK(none.error.empty());

        const auto other = policy::parse_sts_txt({"v=spf1 -all", "v=STSv12; id=1", "V=STSv1;id=1"});
        CHECK(other.status == sts_txt_status::no_record);
        CHECK(other.discarded == 3);

        const auto mixed = policy::parse_sts_txt({"google-site-verification=x", "v=STSv1; id=9"});
        CHECK(mixed.status == sts_txt_status::valid);
        CHECK(mixed.id == "9");
        CHECK(mixed.discarded == 1);

        const auto two = policy::parse_sts_txt({"v=STSv1; id=1", "v=STSv1; id=2"});
        CHECK(two.status == sts_txt_status::several);
        CHECK(two.error == "2 TXT records begin with v=STSv1; exactly one is allowed");
        CHECK(two.candidates.size() == 2);
        CHECK(two.id.empty());

        // The one remaining record being broken is not the same as having none.
        const auto broken = policy::parse_sts_txt({"v=STSv1; id=a-b", "v=spf1 -all"});
        CHECK(broken.status == sts_txt_status::invalid);
        CHECK(broken.raw == "v=STSv1; id=a-b");
    }

    TEST_CASE("corpus: RFC 8461 §3.1 example record") {
        const nlohmann::json vectors = load_json("mta-sts/vectors/rfc8461_examples.json");
        for (const auto& v : vectors["txt_records"]) {
            const auto txt = v["txt"].get<std::string>();
            CAPTURE(txt);
            CHECK(v["expected"] == "valid");
            const auto r = policy::parse_sts_txt({txt});
            CHECK(r.status == sts_txt_status::valid);
            CHECK(r.id == "20160831085700Z");
        }
    }

    TEST_CASE("corpus: mox's valid records parse to mox's id and extensions") {
        const auto vectors = load_json("mta-sts/vectors/mox_mtasts_vectors.json")["txt_records"];
        for (const auto& v : vectors["valid"]) {
            const auto txt = v["txt"].get<std::string>();
            CAPTURE(txt);
            const auto r = policy::parse_sts_txt({txt});
            REQUIRE(r.status == sts_txt_status::valid);
            CHECK(r.id == v["parsed"]["id"].get<std::string>());
            std::vector<std::pair<std::string, std::string>> ext;
            if (v["parsed"].contains("extensions")) {
                for (const auto& e : v["parsed"]["extensions"]) {
                    ext.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
                }
            }
            CHECK(r.extensions == ext);
        }
    }

    TEST_CASE("corpus: every record mox calls invalid is invalid here too") {
        const auto vectors = load_json("mta-sts/vectors/mox_mtasts_vectors.json")["txt_records"];
        int checked = 0;
        for (const auto& v : vectors["invalid"]) {
            const auto txt = v["txt"].get<std::string>();
            CAPTURE(txt);
            CAPTURE(v["why"].get<std::string>());
            const auto one = policy::parse_sts_txt_record(txt);
            CHECK(one.status == sts_txt_status::invalid);
            CHECK_FALSE(one.error.empty());
            // As an RRset, v=STSv0/STSv10/STSv2 are not MTA-STS records at all: RFC 8461 §3.1
            // discards them, so the domain has no record rather than an invalid one. mox
            // parses a single record and calls it invalid; for a sender both mean "no policy".
            const auto set = policy::parse_sts_txt({txt});
            const bool other_version = txt == "v=STSv0" || txt == "v=STSv10" || txt == "v=STSv2";
            CHECK(set.status ==
                  (other_version ? sts_txt_status::no_record : sts_txt_status::invalid));
            ++checked;
        }
        CHECK(checked == 14);
    }

    TEST_CASE("corpus: postfix-mta-sts-resolver's dnsmasq records") {
        // Expectations from tests/refdata.tsv: bad-record1..3 give NOTFOUND (no usable
        // record); all others carry the same valid record.
        int checked = 0;
        for (const auto& v : load_json("mta-sts/vectors/postfix-mta-sts-resolver/"
                                       "mta_sts_txt_records_from_dnsmasq.json")) {
            const auto name = v["name"].get<std::string>();
            CAPTURE(name);
            const auto r = policy::parse_sts_txt({v["txt"].get<std::string>()});
            if (name.find("bad-record") != std::string::npos) {
                // Record 1 has v= second, record 2 is noise, record 3 says STSv12: none
                // begins with v=STSv1, so all three are discarded.
                CHECK(r.status == sts_txt_status::no_record);
            } else {
                CHECK(r.status == sts_txt_status::valid);
                CHECK(r.id == "20180907T090909");
            }
            ++checked;
        }
        CHECK(checked == 19);
    }

    TEST_CASE("to_json writes status, raw, id and error, and leaves out what is absent") {
        nlohmann::json j = policy::parse_sts_txt({"v=STSv1; id=1; x=y", "v=spf1"});
        CHECK(j == nlohmann::json::parse(R"({"status":"valid","raw":"v=STSv1; id=1; x=y",
            "id":"1","extensions":[{"name":"x","value":"y"}],"discarded":1})"));
        nlohmann::json none = policy::parse_sts_txt({});
        CHECK(none == nlohmann::json::parse(R"({"status":"no-record","discarded":0})"));
        nlohmann::json two = policy::parse_sts_txt({"v=STSv1;id=1", "v=STSv1;id=2"});
        CHECK(two["status"] == "several");
        CHECK(two["candidates"].size() == 2);
        CHECK(two.contains("error"));
    }
}
