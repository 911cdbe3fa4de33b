// Table tests of the MTA-STS policy body parser (RFC 8461 §3.2, STANDARDS STS-17..STS-23 and
// §9), plus every policy vector and real policy of tests/data/mta-sts (see its SOURCES.md).

#include "policy/mta_sts_policy.hpp"
#include "policy/sts_fetch_verdict.hpp"
#include "tests/support/test_data.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace doctest {
template <> struct StringMaker<policy::sts_mode> {
    static String convert(policy::sts_mode m) {
        return String(std::string(policy::to_string(m)).c_str());
    }
};
} // namespace doctest

namespace {

using policy::sts_mode;

using mxprobe_test::load_json;
using mxprobe_test::read_test_data;

bool has_note(const policy::sts_policy& p, const std::string& part) {
    for (const auto& n : p.notes) {
        if (n.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

const std::string lf_policy = "version: STSv1\nmode: enforce\nmx: mail.example.com\n"
                              "mx: *.example.net\nmax_age: 604800\n";

} // namespace

TEST_SUITE("policy.mta_sts_policy") {

    TEST_CASE("STANDARDS §9: the LF policy and its CRLF twin are valid and read the same") {
        std::string crlf;
        for (char c : lf_policy) {
            crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        }
        for (const auto& body : {lf_policy, crlf}) {
            const auto p = policy::parse_sts_policy(body);
            CHECK(p.error == "");
            CHECK(p.version == "STSv1");
            CHECK(p.mode == sts_mode::enforce);
            CHECK(p.mx == std::vector<std::string>{"mail.example.com", "*.example.net"});
            CHECK(p.max_age == 604800u);
            CHECK(p.notes.empty());
        }
    }

    TEST_CASE("STANDARDS §9: mode is case-sensitive, a second mode line loses to the first") {
        const auto upper = policy::parse_sts_policy(
            "version: STSv1\nmode: testing\nmode: Enforce\nmx: a.example\nmax_age: 1\n");
        CHECK(upper.valid()); // the repeated line is ignored, not judged
        CHECK(upper.mode == sts_mode::testing);
        CHECK(has_note(upper, "line 3: repeated 'mode: Enforce' ignored; line 2 applies"));

        const auto bad = policy::parse_sts_policy("version: STSv1\nmx: a.example\nmode: Enforce\n");
        CHECK(bad.error == "line 3: mode 'Enforce' is not enforce, testing or none");
        CHECK(bad.mx == std::vector<std::string>{"a.example"}); // read before the error
    }

    TEST_CASE("STANDARDS §9: max_age bounds, mode none needs no mx") {
        const std::string head = "version: STSv1\nmode: none\nmax_age: ";
        CHECK(policy::parse_sts_policy(head + "31557600").max_age == 31557600u);
        CHECK(policy::parse_sts_policy(head + "31557601").error ==
              "line 3: max_age 31557601 is over 31557600 (about a year)");
        const auto none = policy::parse_sts_policy(head + "86400");
        CHECK(none.valid());
        CHECK(none.mode == sts_mode::none);
        CHECK(none.mx.empty());
    }

    TEST_CASE("each defect names its line and what is wrong") {
        const std::string ok_head = "version: STSv1\nmode: enforce\nmax_age: 1\n";
        const struct {
            std::string body;
            std::string error;
        } cases[] = {
            {"", "no version line (required)"},
            {"mode: none\nmax_age: 1", "no version line (required)"},
            {"version: STSv2\n", "line 1: version 'STSv2' is not STSv1"},
            {"version: stsv1\n", "line 1: version 'stsv1' is not STSv1"},
            {"version: STSv1\nmax_age: 1\n", "no mode line (required)"},
            {"version: STSv1\nMode: enforce\nmax_age: 1\n",
             "no mode line (required) (keys are case-sensitive; did you mean 'mode'?)"},
            {"version: STSv1\nmode: none\n", "no max_age line (required)"},
            {"version: STSv1\nmode: testing\nmax_age: 5\n",
             "no mx line; mode testing needs at least one"},
            {"version: STSv1\nmode: none\nmax_age: 12345678901",
             "line 3: max_age '12345678901' is not 1 to 10 digits"},
            {"version: STSv1\nmode: none\nmax_age: -1",
             "line 3: max_age '-1' is not 1 to 10 digits"},
            {"version: STSv1\nmode: none\nmax_age: 1 day",
             "line 3: max_age '1 day' is not 1 to 10 digits"},
            {"version : STSv1\n", "line 1: space before ':' after key 'version'"},
            {" version: STSv1\n", "line 1: key ' version' does not begin with a letter or digit"},
            {"version: STSv1\ngarbage\n", "line 2: 'garbage' is not 'key: value'"},
            {"version: STSv1\nmode: none\r\rmax_age: 1", "line 2: carriage return inside the line"},
            {ok_head + "mx:", "line 4: mx has no value"},
            {ok_head + "mx: a.example, b.example",
             "line 4: mx 'a.example, b.example' holds more than one name; write one mx line each"},
            {ok_head + "mx: a.example b.example",
             "line 4: mx 'a.example b.example' holds more than one name; write one mx line each"},
            {ok_head + "mx: *.*.example",
             "line 4: mx '*.*.example' has a '*' other than a leading '*.'"},
            {ok_head + "mx: mail.*.example",
             "line 4: mx 'mail.*.example' has a '*' other than a leading '*.'"},
            {ok_head + "mx: *", "line 4: mx '*' has a '*' other than a leading '*.'"},
            {ok_head + "mx: *.", "line 4: mx '*.' has no domain"},
            {ok_head + "mx: mail..example", "line 4: mx 'mail..example' has an empty label"},
            {ok_head + "mx: -mail.example",
             "line 4: mx '-mail.example' has a label that begins or ends with a hyphen"},
            {ok_head + "mx: mail_1.example",
             "line 4: mx 'mail_1.example' has '_', not a letter, digit or hyphen"},
            {ok_head + "mx: " + std::string(64, 'a') + ".example",
             "line 4: mx '" + std::string(64, 'a') +
                 ".example' has a label longer than 63 characters"},
            {ok_head + "mx: b\xc3\xbc"
                       "cher.example",
             "line 4: mx 'b\xc3\xbc"
             "cher.example' is not ASCII; IDN names must be written as "
             "A-labels (xn--...)"},
            {ok_head + "mx: a.example\n_x: 1",
             "line 5: key '_x' does not begin with a letter or digit"},
            {ok_head + "mx: a.example\nx:", "line 5: key 'x' has an empty value"},
            {ok_head + "mx: a.example\nx: a\tb",
             "line 5: key 'x' has a control character or tab in its value"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.body);
            const auto p = policy::parse_sts_policy(c.body);
            CHECK(p.error == c.error);
            CHECK_FALSE(p.valid());
        }
    }

    TEST_CASE("what is accepted with a note: unknown keys, blank lines, trailing dot, repeats") {
        const auto p = policy::parse_sts_policy("version: STSv1\r\n\r\nmode: enforce\n"
                                                "max-age: 5\nmax_age: 5\nmax_age: 6\n"
                                                "mx: mx.example.\nmx: mx.example.\n"
                                                "version: STSv1\nx-e: \xc3\xa9t\xc3\xa9\n");
        CHECK(p.error == "");
        CHECK(p.max_age == 5u);
        CHECK(p.mx == std::vector<std::string>{"mx.example.", "mx.example."});
        CHECK(has_note(p, "line 2 is blank; ignored"));
        CHECK(has_note(p, "line 4: unknown key 'max-age' ignored"));
        CHECK(has_note(p, "line 6: repeated 'max_age: 6' ignored; line 5 applies"));
        CHECK(has_note(p, "line 7: mx 'mx.example.' ends in a dot"));
        CHECK(has_note(p, "line 8: mx 'mx.example.' ends in a dot"));
        CHECK(has_note(p, "line 8: mx 'mx.example.' is listed twice"));
        CHECK(has_note(p, "line 9: repeated 'version: STSv1' ignored; line 1 applies"));
        CHECK(has_note(p, "line 10: unknown key 'x-e'"));
        CHECK(p.notes.size() == 8); // line 8 gets two: the dot and the repeat
    }

    TEST_CASE("the 64 KiB limit: 65536 bytes pass, one more is an error") {
        std::string body = lf_policy + "pad: ";
        body += std::string(policy::max_sts_policy_bytes - body.size(), 'x');
        REQUIRE(body.size() == 65536);
        CHECK(policy::parse_sts_policy(body).valid());
        body += 'x';
        CHECK(policy::parse_sts_policy(body).error ==
              "the policy is 65537 bytes, over the 64 KiB limit");
    }

    TEST_CASE("corpus: RFC 8461 §3.2 example policy (CRLF)") {
        const nlohmann::json vectors = load_json("mta-sts/vectors/rfc8461_examples.json");
        for (const auto& v : vectors["policies"]) {
            const auto p = policy::parse_sts_policy(v["body"].get<std::string>());
            CHECK(p.error == "");
            CHECK(p.mode == sts_mode::enforce);
            CHECK(p.mx == std::vector<std::string>{"mail.example.com", "*.example.net",
                                                   "backupmx.example.com"});
            CHECK(p.max_age == 604800u);
        }
    }

    TEST_CASE("corpus: mox's valid policies parse to mox's fields") {
        const auto vectors = load_json("mta-sts/vectors/mox_mtasts_vectors.json")["policies"];
        int checked = 0;
        for (const auto& v : vectors["valid"]) {
            const auto body = v["body"].get<std::string>();
            CAPTURE(body);
            const auto p = policy::parse_sts_policy(body);
            CHECK(p.error == "");
            REQUIRE(p.mode.has_value());
            CHECK(policy::to_string(*p.mode) == v["parsed"]["mode"].get<std::string>());
            CHECK(p.mx == v["parsed"]["mx"].get<std::vector<std::string>>());
            CHECK(p.max_age == v["parsed"]["max_age"].get<std::uint32_t>());
            CHECK(has_note(p, "unknown key") == v["parsed"].contains("extensions"));
            ++checked;
        }
        CHECK(checked == 3);
    }

    TEST_CASE("corpus: every policy mox calls invalid is invalid here, for the same reason") {
        // mox's "why" → a piece of our error text that says the same thing.
        const std::vector<std::pair<std::string, std::string>> same_reason = {
            {"missing version", "no version line"},
            {"bad version", "is not STSv1"},
            {"missing mode", "no mode line"},
            {"missing max_age", "no max_age line"},
            {"missing mx for enforce", "no mx line; mode enforce"},
            {"missing mx for testing", "no mx line; mode testing"},
            {"max_age too long (>10 digits)", "is not 1 to 10 digits"},
            {"bad mode", "is not enforce, testing or none"},
            {"bad max_age", "is not 1 to 10 digits"},
            {"empty mx", "mx has no value"},
            {"bad mx (double wildcard)", "a '*' other than a leading '*.'"},
            {"bad mx", "a '*' other than a leading '*.'"},
            {"bad mx (label ends with hyphen)", "begins or ends with a hyphen"},
            {"empty extension value", "has an empty value"},
            {"extension name too long", "is longer than 32 characters"},
            {"bad extension name", "does not begin with a letter or digit"},
            {"invalid U-label in mx (mox rejects)", "is not ASCII"},
        };
        const auto vectors = load_json("mta-sts/vectors/mox_mtasts_vectors.json")["policies"];
        int checked = 0;
        for (const auto& v : vectors["invalid"]) {
            const auto body = v["body"].get<std::string>();
            const auto why = v["why"].get<std::string>();
            CAPTURE(body);
            CAPTURE(why);
            const auto p = policy::parse_sts_policy(body);
            CHECK_FALSE(p.valid());
            std::string expected;
            for (const auto& [mox, ours] : same_reason) {
                if (mox == why) {
                    expected = ours;
                }
            }
            // "**.example-": both the '*' and the trailing hyphen are wrong; we name the first.
            CHECK_MESSAGE(p.error.find(expected) != std::string::npos, p.error);
            ++checked;
        }
        CHECK(checked == 21);
    }

    TEST_CASE("corpus: postfix-mta-sts-resolver's nginx policies") {
        int checked = 0;
        for (const auto& v :
             load_json("mta-sts/vectors/postfix-mta-sts-resolver/policies_from_nginx_conf.json")) {
            const auto host = v["host"].get<std::string>();
            CAPTURE(host);
            ++checked;
            if (!v.contains("body")) {
                // static/chunked-overlength: bodies over 64 KiB made by Lua at request time.
                // The fetch stops them (too_large); the parser's own limit is tested above,
                // and a body of that kind fails here too.
                CHECK(policy::sts_fetch_result_type(probe::fetch_failure::too_large) ==
                      "sts-policy-fetch-error");
                CHECK_FALSE(policy::parse_sts_policy(std::string(70000, 'a')).valid());
                continue;
            }
            const auto p = policy::parse_sts_policy(v["body"].get<std::string>());
            const std::string expected = v["expected"].get<std::string>();
            // bad-policy1, 2, 5-8 are broken bodies; 3 and 4 and bad-cert1, 2 fail in the
            // fetch (media type, HTTP status, certificate) with a body that is fine.
            const bool body_defect =
                host == "mta-sts.bad-policy1.loc" || host == "mta-sts.bad-policy2.loc" ||
                host == "mta-sts.bad-policy5.loc" || host == "mta-sts.bad-policy6.loc" ||
                host == "mta-sts.bad-policy7.loc" || host == "mta-sts.bad-policy8.loc";
            const bool rejected = expected.rfind("reject", 0) == 0;
            CHECK((rejected || !body_defect));
            CHECK(p.valid() == !body_defect);
            if (host == "mta-sts.bad-policy3.loc") {
                // The body is fine; text/html is what makes it invalid (STS-13, our fetch).
                CHECK(policy::sts_fetch_result_type(probe::fetch_failure::media_type) ==
                      "sts-policy-invalid");
            }
            if (host == "mta-sts.bad-policy4.loc") {
                CHECK(v["http_status"] == 404); // a fetch error, whatever the body says
            }
            if (p.valid()) {
                CHECK(p.mx == (host == "mta-sts.valid-none.loc"
                                   ? std::vector<std::string>{}
                                   : std::vector<std::string>{"mail.loc"}));
            }
            if (host == "mta-sts.fast-expire.loc") {
                CHECK(p.max_age == 1u);
            }
            if (host == "mta-sts.testing.loc") {
                CHECK(p.mode == sts_mode::testing);
            }
        }
        CHECK(checked == 16);
    }

    TEST_CASE("corpus: real policies served by eight domains are all valid") {
        const struct {
            const char* file;
            sts_mode mode;
            std::size_t mx;
            std::uint32_t max_age;
        } cases[] = {
            {"as213151.net", sts_mode::enforce, 6, 604800},
            {"berget.ai", sts_mode::enforce, 3, 86400},
            {"boldmere.bham.sch.uk", sts_mode::enforce, 1, 1209600},
            {"gosia24.eu", sts_mode::testing, 2, 604800},
            {"kestra.io", sts_mode::testing, 5, 604800},
            {"mucur.name", sts_mode::enforce, 7, 604800},
            {"sbcountyatc.gov", sts_mode::enforce, 1, 604800},
            {"thisishugo.com", sts_mode::enforce, 2, 86400},
        };
        for (const auto& c : cases) {
            CAPTURE(c.file);
            const auto p = policy::parse_sts_policy(
                read_test_data("mta-sts/real/" + std::string(c.file) + ".mta-sts.txt"));
            CHECK(p.error == "");
            CHECK(p.notes.empty());
            CHECK(p.mode == c.mode);
            CHECK(p.mx.size() == c.mx);
            CHECK(p.max_age == c.max_age);
        }
    }

    TEST_CASE("to_json writes the fields read, notes and the error, leaves out absent ones") {
        nlohmann::json ok = policy::parse_sts_policy(lf_policy);
        CHECK(ok == nlohmann::json::parse(R"({"valid":true,"version":"STSv1","mode":"enforce",
            "mx":["mail.example.com","*.example.net"],"max_age":604800})"));
        nlohmann::json bad = policy::parse_sts_policy("version: STSv1\nmode: sometimes\n");
        CHECK(bad == nlohmann::json::parse(R"({"valid":false,"version":"STSv1","mx":[],
            "error":"line 2: mode 'sometimes' is not enforce, testing or none"})"));
    }
}
