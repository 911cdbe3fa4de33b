// `mxprobe mta-sts --json` against the real MTA-STS lab: nginx on 127.0.0.41:443 serving one
// policy host per scenario (tools/lab/https) with certificates from the lab CA, found through
// the lab's validating resolver (tools/lab/dns). Both are started once by the sts_lab ctest
// fixture. The expected RFC 8460 result type of every scenario comes from the lab's own
// scenarios.tsv; the exit status and the other facts are this test's.

#include "tests/support/run_command.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using mxprobe_test::run;
using mxprobe_test::shell_quote;

const std::filesystem::path lab_dir = std::filesystem::path(MXPROBE_LAB_DIR) / "sts";

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, separator)) {
        out.push_back(item);
    }
    return out;
}

std::string resolver_address() {
    std::ifstream in(lab_dir / "dns/ports.env");
    REQUIRE_MESSAGE(in.good(), "no " << (lab_dir / "dns/ports.env") << ": is sts_lab up?");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("RESOLVER_PORT=", 0) == 0) {
            return "127.0.0.1:" + line.substr(14);
        }
    }
    FAIL("no RESOLVER_PORT in ports.env");
    return {};
}

struct scenario {
    std::string name, domain, expected_result_type;
};

// name → scenario, from the lab's truth table (name domain policy_host ip port expected what).
std::map<std::string, scenario> load_scenarios() {
    std::ifstream in(lab_dir / "https/scenarios.tsv");
    REQUIRE_MESSAGE(in.good(), "no " << (lab_dir / "https/scenarios.tsv") << ": is sts_lab up?");
    std::map<std::string, scenario> out;
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        const auto f = split(line, '\t');
        if (f.size() == 7) {
            out[f[0]] = {f[0], f[1], f[5]};
        }
    }
    return out;
}

scenario load_scenario(const std::string& name) {
    const auto all = load_scenarios();
    const auto it = all.find(name);
    REQUIRE_MESSAGE(it != all.end(), "scenario " << name << " is not in scenarios.tsv");
    return it->second;
}

struct sts_run {
    int exit_code = -1;
    json doc;
};

sts_run check_domain(const std::string& domain) {
    const std::string command = std::string(MXPROBE_BINARY) + " --resolver " + resolver_address() +
                                " --timeout 10 --json mta-sts " + shell_quote(domain) +
                                " --allow-private --ca-file " +
                                shell_quote((lab_dir / "https/pki/root.crt").string());
    const auto r = run(command);
    REQUIRE_MESSAGE(!r.out.empty(), "no output from: " << command);
    return {r.exit_code, json::parse(r.out)};
}

bool schema_valid(const json& doc) {
    const auto file = std::filesystem::temp_directory_path() /
                      ("mxprobe-sts-lab-" + std::to_string(::getpid()) + ".json");
    std::ofstream(file) << doc.dump();
    const auto r =
        run(std::string(MXPROBE_SOURCE_DIR) + "/tools/validate-json " + MXPROBE_SOURCE_DIR +
            "/docs/schema/mta-sts.schema.json " + shell_quote(file.string()));
    std::filesystem::remove(file);
    return r.exit_code == 0;
}

// Runs one nginx scenario: the result type the lab lists, the exit status given here.
json check_scenario(const std::string& name, int exit_code) {
    const auto s = load_scenario(name);
    const auto r = check_domain(s.domain);
    CAPTURE(r.doc.dump(2));
    if (s.expected_result_type == "-") {
        CHECK(r.doc["result_type"].is_null());
    } else {
        CHECK(r.doc["result_type"] == s.expected_result_type);
    }
    // Every lab answer comes from the signed zone through the validating resolver.
    CHECK(r.doc["txt_secure"] == true);
    CHECK(r.doc["txt"]["status"] == "valid");
    CHECK(r.doc["fetch"]["ip"] == "127.0.0.41");
    CHECK(r.exit_code == exit_code);
    CHECK(schema_valid(r.doc));
    return r.doc;
}

std::string error_of(const json& doc) {
    return doc["error"].is_string() ? doc["error"].get<std::string>() : "";
}

} // namespace

TEST_SUITE("lab.mta_sts") {

    TEST_CASE("every nginx scenario of tools/lab/https has a test here") {
        std::set<std::string> names;
        for (const auto& [name, s] : load_scenarios()) {
            names.insert(name);
        }
        CHECK(names == std::set<std::string>{"enforce", "testing", "mxmiss", "redirect", "notfound",
                                             "ctype", "oversize", "badpolicy", "wrongcert"});
    }

    TEST_CASE("enforce: a valid policy covering the MX, exit 0") {
        const auto doc = check_scenario("enforce", 0);
        CHECK(doc["policy"]["mode"] == "enforce");
        CHECK(doc["policy_applies"] == true);
        CHECK(doc["mx"]["hosts"][0]["host"] == "mx-valid.lab.test");
        CHECK(doc["mx"]["hosts"][0]["covered"] == true);
        CHECK(doc["mx"]["secure"] == true);
        CHECK(doc["fetch"]["certificate"]["trusted"] == true);
    }

    TEST_CASE("testing: CRLF policy with a wildcard, exit 0") {
        const auto doc = check_scenario("testing", 0);
        CHECK(doc["policy"]["mode"] == "testing");
        CHECK(doc["policy"]["max_age"] == 604800);
        CHECK(doc["mx"]["hosts"][0]["pattern"] == "*.lab.test");
    }

    TEST_CASE("mxmiss: the policy's mx misses the MX, critical for enforce senders, exit 2") {
        const auto doc = check_scenario("mxmiss", 2);
        CHECK(doc["mx"]["uncovered"] == 1);
        CHECK(doc["mx"]["unused_patterns"] == json{"mx-other.lab.test"});
        CHECK(doc["findings"][0]["code"] == "mx-not-in-policy");
    }

    TEST_CASE("redirect: not followed, exit 2") {
        const auto doc = check_scenario("redirect", 2);
        CHECK(doc["fetch"]["status"] == 301);
        CHECK(doc["fetch"]["location"] == "https://policy.elsewhere.lab.test/mta-sts.txt");
        CHECK(error_of(doc).find("redirect") != std::string::npos);
    }

    TEST_CASE("notfound: HTTP 404, exit 2") {
        const auto doc = check_scenario("notfound", 2);
        CHECK(error_of(doc) == "mta-sts.sts-notfound.lab.test: HTTP 404 Not Found");
    }

    TEST_CASE("ctype: served as text/html, exit 2") {
        const auto doc = check_scenario("ctype", 2);
        CHECK(error_of(doc).find("Content-Type is 'text/html'") != std::string::npos);
    }

    TEST_CASE("oversize: a 70,000-byte body, exit 2") {
        const auto doc = check_scenario("oversize", 2);
        CHECK(error_of(doc).find("exceeds the limit of 65536 bytes") != std::string::npos);
    }

    TEST_CASE("badpolicy: mode 'Enforce', exit 2") {
        const auto doc = check_scenario("badpolicy", 2);
        CHECK(error_of(doc).find("line 2: mode 'Enforce'") != std::string::npos);
    }

    TEST_CASE("wrongcert: a certificate for www.lab.test, exit 2") {
        const auto doc = check_scenario("wrongcert", 2);
        CHECK(doc["fetch"]["certificate"]["hostname_match"] == false);
        CHECK(doc["fetch"]["leaf"]["san_dns"] == json{"www.lab.test"});
    }

    TEST_CASE("TXT defects in the lab zone: no policy applies, exit 1") {
        const auto bad = check_domain("sts-badtxt.lab.test");
        CHECK(bad.doc["txt"]["status"] == "invalid");
        CHECK(bad.doc["result_type"].is_null());
        CHECK(bad.exit_code == 1);
        const auto two = check_domain("sts-twotxt.lab.test");
        CHECK(two.doc["txt"]["status"] == "several");
        CHECK(two.doc["txt"]["candidates"].size() == 2);
        CHECK(two.exit_code == 1);
    }

    TEST_CASE("a domain without MTA-STS in the lab zone: txt and policy null, exit 0") {
        const auto r = check_domain("valid.lab.test");
        CHECK(r.doc["txt"].is_null());
        CHECK(r.doc["policy"].is_null());
        CHECK(r.doc["error"].is_null());
        CHECK(r.doc["txt_status"] == "nxdomain");
        CHECK(r.exit_code == 0);
    }
}
