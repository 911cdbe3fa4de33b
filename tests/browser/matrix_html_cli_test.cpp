// `mxprobe matrix --format html` end to end: a real scan of in-process fake MX hosts (as in
// tests/tools/matrix_cli_test.cpp), a TLS-RPT report in a real reporter's shape, the page
// written by the command, and that page opened in headless Chromium with the rows, grades
// and explanation the JSON of the same run says it should have.

#include "tests/browser/chromium.hpp"
#include "tests/browser/dom_query.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/fake_zone.hpp"
#include "tests/support/mxprobe_cli.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/smtp_tls_script.hpp"
#include "tests/support/test_certs.hpp"

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;

namespace {

// Organization and MX names a reporter chooses: hostile on purpose.
std::string report_json() {
    return R"({"organization-name":"<b>Partner</b> Bank </script>","date-range":{
"start-datetime":"2026-12-02T00:00:00Z","end-datetime":"2026-12-02T23:59:59Z"},
"contact-info":"tlsrpt@good.test","report-id":"r-1","policies":[{"policy":{"policy-type":"sts",
"policy-string":["version: STSv1","mode: enforce","mx: mx.own.test","max_age: 86400"],
"policy-domain":"own.test","mx-host":["mx.own.test"]},"summary":{
"total-successful-session-count":20,"total-failure-session-count":1204},"failure-details":[{
"result-type":"certificate-expired","sending-mta-ip":"198.51.100.7",
"receiving-mx-hostname":"mx.own.test","receiving-ip":"127.0.0.53","failed-session-count":1204}]}]})";
}

struct outputs {
    std::string html;
    nlohmann::json json;
    int html_exit = -1;
};

// Scans good.test (TLS 1.3), old.test (TLS 1.2 at best) and own.test (expired certificate),
// then writes the matrix as HTML and as JSON from the same inputs. The fake servers are gone
// before any browser starts.
outputs make_matrix() {
    const test_pki pki = test_pki::create();
    const issued leaf =
        pki.leaf(cert_spec{.common_name = "mx", .dns_names = {"mx.good.test", "mx.old.test"}});
    const issued expired = pki.leaf(cert_spec{.common_name = "mx.own.test",
                                              .dns_names = {"mx.own.test"},
                                              .not_before_offset = std::chrono::hours(-24 * 90),
                                              .not_after_offset = std::chrono::hours(-24 * 4)});
    const std::string root = write_temp_file(pki.root.cert_pem());
    const std::string targets = write_temp_file(
        "own_domains:\n  - domain: own.test\n    tags: [own]\npartners:\n  - domain: good.test\n"
        "    name: Partner Bank\n    tags: [finance]\n  - old.test\nrequirements:\n"
        "  min_version: TLSv1.2\n",
        ".yaml");
    const std::string scan = write_temp_file("", ".jsonl");
    {
        const fake_smtp_server good{script_with(leaf, pki.intermediate), "127.0.0.51"};
        smtp_script old_script = script_with(leaf, pki.intermediate);
        old_script.tls.max_version = TLS1_2_VERSION;
        const fake_smtp_server old{old_script, "127.0.0.52", good.port()};
        const fake_smtp_server own{script_with(expired, pki.intermediate), "127.0.0.53",
                                   good.port()};
        const fake_dns_server dns{fake_zone()
                                      .mx("good.test", 10, "mx.good.test")
                                      .a("mx.good.test", "127.0.0.51")
                                      .mx("old.test", 10, "mx.old.test")
                                      .a("mx.old.test", "127.0.0.52")
                                      .mx("own.test", 10, "mx.own.test")
                                      .a("mx.own.test", "127.0.0.53")
                                      .handler()};
        const auto r = run(mxprobe_bin + " scan " + targets +
                           " --resolver 127.0.0.1:" + std::to_string(dns.port()) + " --port " +
                           std::to_string(good.port()) + " --ca-file " + shell_quote(root) +
                           " --allow-private --ehlo scanner.test -q --format jsonl -o " + scan);
        REQUIRE(r.exit_code == 2); // own.test's expired certificate
    }
    const std::string report = write_temp_file(report_json(), ".json");
    const std::string base = mxprobe_bin + " matrix " + targets + " --scan " + scan +
                             " --reports " + report + " --require min_version=TLSv1.3";
    outputs out;
    out.html = write_temp_file("", ".html");
    out.html_exit = run(base + " --format html -o " + out.html).exit_code;
    const std::string json_file = write_temp_file("", ".json");
    REQUIRE(run(base + " --format json -o " + json_file).exit_code == out.html_exit);
    std::ifstream in(json_file);
    out.json = nlohmann::json::parse(in);
    return out;
}

} // namespace

TEST_SUITE("browser.matrix_html_cli") {

    TEST_CASE("mxprobe matrix --format html on a real scan renders the matrix's rows") {
        const outputs m = make_matrix();
        CHECK(m.html_exit == 1); // partners compatible; failures reported to own.test

        const std::string dom = dump_dom(m.html, "sort=domain&expand=own.test");
        std::vector<std::string> rows;
        for (const auto& tr : find_all(dom, "tr", "data-domain")) {
            if (tr.has_class("row")) {
                rows.push_back(tr.attr("data-domain"));
            }
        }
        // As many rows as the JSON of the same run, sorted by domain.
        CHECK(rows.size() == m.json["rows"].size());
        CHECK(rows == std::vector<std::string>{"good.test", "old.test", "own.test"});

        const auto cell = [&](const std::string& domain, const std::string& col) {
            for (const auto& tr : find_all(dom, "tr", "data-domain", domain)) {
                if (tr.has_class("row")) {
                    return find_one(tr.inner, "td", "data-col", col);
                }
            }
            FAIL("no row " << domain);
            return dom_element{};
        };
        CHECK(cell("good.test", "state").attr("data-grade") == "good");
        CHECK(cell("good.test", "versions").text().find("TLSv1.3") != std::string::npos);
        CHECK(cell("old.test", "versions").text().find("TLSv1.2") != std::string::npos);
        CHECK(cell("own.test", "cert_days_left").attr("data-grade") == "bad");
        CHECK(cell("own.test", "failure_rate").attr("data-grade") == "bad"); // 1,204 of 1,224
        CHECK(cell("own.test", "failure_rate").text().find("98%") != std::string::npos);

        // The reporter's explanation, reproduced by the probe, with the reporter's name as text.
        const auto explained = find_all(dom, "li", "data-status", "reproduced");
        REQUIRE(explained.size() == 1);
        CHECK(explained[0].text().find("certificate-expired reported by 1 organization for 1,204 "
                                       "sessions at mx.own.test") != std::string::npos);
        CHECK(explained[0].text().find("<b>Partner</b> Bank </script>") != std::string::npos);
        CHECK(find_all(dom, "b").empty());

        // The what-if of --require: old.test breaks.
        const auto breaking = find_all(dom, "tr", "class", "breaking");
        REQUIRE(breaking.size() == 1);
        CHECK(breaking[0].attr("data-domain") == "old.test");
        // The expiry calendar lists the three MX certificates, the expired one first.
        const auto expiry = find_all(dom, "tr", "data-days");
        REQUIRE(expiry.size() == 3);
        CHECK(expiry[0].text().find("mx.own.test") != std::string::npos);
        CHECK(expiry[0].attr("data-grade") == "bad");
    }
}
