// targets.yaml: the example at the root loads, and every mistake is an error naming
// file:line:column before anything runs.

#include "tests/support/run_command.hpp"
#include "tools/mxprobe/targets_file.hpp"

#include <string>

#include <doctest/doctest.h>

namespace {

using mxprobe::config_error;
using mxprobe::parse_targets;

// The message of the config_error that parsing `text` throws ("" when it parses).
std::string error_of(const std::string& text) {
    try {
        (void)parse_targets(text, "t.yaml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_SUITE("tools.targets_file") {

    TEST_CASE("the repository's targets.yaml loads with its documented values") {
        const auto f = mxprobe::load_targets(MXPROBE_SOURCE_DIR "/targets.yaml");
        CHECK(f.defaults.ehlo == "probe.example.com");
        CHECK(f.defaults.timeout == std::chrono::seconds(10));
        CHECK(f.defaults.banner_timeout == std::chrono::seconds(30));
        CHECK(f.defaults.concurrency == 500);
        CHECK(f.defaults.ip_spacing == std::chrono::milliseconds(500));
        CHECK(f.defaults.ipv4);
        CHECK(f.defaults.ipv6);
        CHECK(f.requirements.min_version == "TLSv1.2");
        CHECK(f.requirements.require_forward_secrecy);
        REQUIRE(f.own_domains.size() == 1);
        CHECK(f.own_domains[0].role == "own");
        REQUIRE(f.partners.size() == 2);
        CHECK(f.partners[0].domain == "example.net");
        CHECK(f.partners[0].name == "Example Bank");
        CHECK(f.partners[0].tags == std::vector<std::string>{"finance", "critical"});
        REQUIRE(f.partners[1].overrides.enumerate.has_value());
        CHECK(*f.partners[1].overrides.enumerate);
        REQUIRE(f.schedule.size() == 2);
        CHECK(f.schedule[1].every == std::chrono::hours(6));
        CHECK(f.schedule[1].jitter == std::chrono::minutes(10));
        CHECK(f.alerts.failure_rate == doctest::Approx(0.05));
        REQUIRE(f.tlsrpt_folders.size() == 1);
        CHECK(f.tlsrpt_folders[0] == MXPROBE_SOURCE_DIR "/reports/");
        CHECK(f.all_targets().size() == 3);
    }

    TEST_CASE("a bare domain is a target with the defaults, names are normalised") {
        const auto f = parse_targets("partners:\n  - Example.COM.\n  - domain: b.example\n", "t");
        REQUIRE(f.partners.size() == 2);
        CHECK(f.partners[0].domain == "example.com");
        CHECK(f.partners[0].name == "example.com");
        CHECK(f.partners[0].where == "t:2:5");
        CHECK(f.partners[1].domain == "b.example");
    }

    TEST_CASE("the domain window: domains_in_flight and domains_waiting") {
        const auto unset = parse_targets("partners: [a.example]\n", "t");
        CHECK(unset.defaults.domains_in_flight == 0); // twice concurrency, decided by the scan
        CHECK_FALSE(unset.defaults.domains_waiting.has_value());
        const auto set = parse_targets(
            "defaults:\n  domains_in_flight: 50\n  domains_waiting: 0\npartners: [a.example]\n",
            "t");
        CHECK(set.defaults.domains_in_flight == 50);
        CHECK(set.defaults.domains_waiting == std::optional<std::size_t>(0));
        CHECK(error_of("defaults:\n  domains_waiting: -1\npartners: [a.example]\n")
                  .find("t.yaml:2:20: 'domains_waiting' must be between 0 and 1000000") == 0);
    }

    TEST_CASE("an unknown key names its line and column and the known keys") {
        const std::string e =
            error_of("defaults:\n  timeout: 5s\n  concurency: 10\npartners: [a.example]\n");
        CHECK(e.find("t.yaml:3:3: unknown key 'concurency' in defaults") == 0);
        CHECK(e.find("concurrency") != std::string::npos);
        CHECK(error_of("partner: [a.example]\n").find("t.yaml:1:1: unknown key 'partner'") == 0);
    }

    TEST_CASE("wrong types and values are errors at the value") {
        CHECK(error_of("defaults:\n  port: http\npartners: [a.example]\n")
                  .find("t.yaml:2:9: 'port' must be a whole number, not 'http'") == 0);
        CHECK(error_of("defaults:\n  port: 70000\npartners: [a.example]\n")
                  .find("t.yaml:2:9: 'port' must be between 1 and 65535") == 0);
        CHECK(error_of("defaults:\n  enumerate: maybe\npartners: [a.example]\n")
                  .find("t.yaml:2:14: 'enumerate' must be true or false") == 0);
        CHECK(error_of("defaults:\n  timeout: 10 seconds\npartners: [a.example]\n")
                  .find("t.yaml:2:12: 'timeout': ") == 0);
        CHECK(error_of("defaults:\n  ip_version: 5\npartners: [a.example]\n")
                  .find("'ip_version' must be both, ipv4 or ipv6") != std::string::npos);
        CHECK(error_of("requirements:\n  min_version: TLS1.2\npartners: [a.example]\n")
                  .find("t.yaml:2:16: 'min_version' must be TLSv1") == 0);
        CHECK(error_of("alerts:\n  failure_rate: 5%\npartners: [a.example]\n")
                  .find("t.yaml:2:17: 'failure_rate' must be a number from 0 to 1") == 0);
        CHECK(error_of("partners:\n  domain: a.example\n")
                  .find("t.yaml:2:3: partners must be a list of domains") == 0);
        CHECK(error_of("defaults: [1, 2]\npartners: [a.example]\n")
                  .find("t.yaml:1:11: defaults must be a mapping") == 0);
    }

    TEST_CASE("bad domains, duplicates and missing pieces") {
        CHECK(error_of("partners: [\"bad domain.example\"]\n")
                  .find("t.yaml:1:12: 'domain': 'bad domain.example' is not a domain name") == 0);
        CHECK(error_of("partners: [a..example]\n").find("empty label") != std::string::npos);
        CHECK(error_of("own_domains: [a.example]\npartners: [A.example]\n")
                  .find("t.yaml:2:12: a.example is listed twice (first at t.yaml:1:15)") == 0);
        CHECK(error_of("partners:\n  - name: Nobody\n")
                  .find("t.yaml:2:5: this entry has no "
                        "'domain'") == 0);
        CHECK(error_of("defaults:\n  timeout: 5s\n").find("no targets") != std::string::npos);
        CHECK(error_of("").find("t.yaml: the file is empty") == 0);
        CHECK(error_of("schedule:\n  - every: 1h\npartners: [a.example]\n")
                  .find("t.yaml:2:5: this schedule entry has no 'name'") == 0);
        CHECK(error_of("alerts:\n  cert_expiry_warning_days: 5\n  cert_expiry_critical_days: 9\n"
                       "partners: [a.example]\n")
                  .find("must not exceed cert_expiry_warning_days") != std::string::npos);
        CHECK(error_of("partners: [a.example]\npartners: [b.example]\n")
                  .find("t.yaml:2:1: 'partners' is given twice") == 0);
    }

    TEST_CASE("YAML syntax errors carry the parser's position") {
        const std::string e = error_of("partners:\n  - a.example\n   - b: [\n");
        CHECK(e.find("t.yaml:") == 0);
        CHECK(e.size() > std::string("t.yaml:1:1: ").size());
    }

    TEST_CASE("an alias bomb is refused without expanding it") {
        // Each level doubles the last; walked naively this is 2^30 strings.
        std::string text = "x0: &a0 [lol]\n";
        for (int i = 1; i <= 30; ++i) {
            text += "x" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" +
                    std::to_string(i - 1) + ", *a" + std::to_string(i - 1) + "]\n";
        }
        text += "partners: *a30\n";
        const std::string e = error_of(text);
        CHECK(e.find("t.yaml:1:1: unknown key 'x0'") == 0);
        // Even under a known key, the nested lists are refused at the first entry.
        const std::string nested = text.substr(0, text.find("partners:")) +
                                   "partners: [a.example]\ndefaults:\n  resolver: *a30\n";
        CHECK(error_of(nested).find("unknown key 'x0'") != std::string::npos);
        const std::string only_known =
            "defaults:\n  resolver: [[a, b], [c]]\npartners: [a.example]\n";
        CHECK(error_of(only_known).find("t.yaml:2:14: 'resolver entry' must be a single value") ==
              0);
    }

    TEST_CASE("very deep nesting is an error, not a stack overflow") {
        const std::string text = "partners: " + std::string(100000, '[') + "\n";
        CHECK(error_of(text).find("t.yaml") == 0);
    }

    TEST_CASE("durations") {
        using mxprobe::parse_duration;
        using namespace std::chrono;
        CHECK(parse_duration("30") == seconds(30));
        CHECK(parse_duration("500ms") == milliseconds(500));
        CHECK(parse_duration("10m") == minutes(10));
        CHECK(parse_duration("1h30m") == minutes(90));
        CHECK(parse_duration("2d") == hours(48));
        CHECK_THROWS_AS(parse_duration(""), std::invalid_argument);
        CHECK_THROWS_AS(parse_duration("5 s"), std::invalid_argument);
        CHECK_THROWS_AS(parse_duration("5w"), std::invalid_argument);
        CHECK_THROWS_AS(parse_duration("h"), std::invalid_argument);
        CHECK_THROWS_AS(parse_duration("99999999999999999999s"), std::invalid_argument);
    }
}

TEST_CASE("tools.targets_file: an unquoted NULL is named as an empty value") {
    const std::string e =
        error_of("requirements:\n  forbidden_ciphers: [RC4, NULL]\npartners: [a.example]\n");
    CHECK(e.find("t.yaml:2:28: 'forbidden_ciphers entry' has no value") == 0);
    CHECK(e.find("quote the word") != std::string::npos);
}

TEST_CASE("tools.targets_file: the example targets files follow docs/schema/targets.schema.json") {
    for (const char* file : {"/targets.yaml", "/tools/lab/targets.yaml"}) {
        const std::string path = std::string(MXPROBE_SOURCE_DIR) + file;
        CAPTURE(path);
        const auto r =
            mxprobe_test::run("/usr/bin/python3 -c 'import json, sys, yaml; "
                              "print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' " +
                              path +
                              " | " MXPROBE_SOURCE_DIR "/tools/validate-json " MXPROBE_SOURCE_DIR
                              "/docs/schema/targets.schema.json");
        CHECK(r.exit_code == 0);
        CHECK_NOTHROW(mxprobe::load_targets(path));
    }
}
