// `mxprobe matrix` end to end: a scan of in-process fake MX hosts written as JSON Lines, a
// folder of TLS-RPT reports in a real reporter's shape, and the matrix built from both —
// every format produced, the JSON valid against its schema, the join right.

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

struct matrix_pki_t {
    test_pki pki = test_pki::create();
    issued leaf;
    issued expired;
    std::string root_file;
};

const matrix_pki_t& matrix_pki() {
    static const matrix_pki_t m = [] {
        matrix_pki_t out;
        out.leaf = out.pki.leaf(
            cert_spec{.common_name = "mx", .dns_names = {"mx.good.test", "mx.old.test"}});
        out.expired = out.pki.leaf(cert_spec{.common_name = "mx.own.test",
                                             .dns_names = {"mx.own.test"},
                                             .not_before_offset = std::chrono::hours(-24 * 90),
                                             .not_after_offset = std::chrono::hours(-24 * 4)});
        out.root_file = write_temp_file(out.pki.root.cert_pem());
        return out;
    }();
    return m;
}

// A report from "Partner Bank" (contact at good.test) about our own.test: 1,204 sessions
// failed with certificate-expired at mx.own.test, 20 succeeded.
std::string report_json() {
    return R"({"organization-name":"Partner Bank","date-range":{"start-datetime":"2026-12-02T00:00:00Z",
"end-datetime":"2026-12-02T23:59:59Z"},"contact-info":"tlsrpt@good.test","report-id":"r-1",
"policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce",
"mx: mx.own.test","max_age: 86400"],"policy-domain":"own.test","mx-host":["mx.own.test"]},
"summary":{"total-successful-session-count":20,"total-failure-session-count":1204},
"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"198.51.100.7",
"receiving-mx-hostname":"mx.own.test","receiving-ip":"127.0.0.53","failed-session-count":1204}]}]})";
}

struct matrix_world {
    fake_smtp_server good{script_with(matrix_pki().leaf, matrix_pki().pki.intermediate),
                          "127.0.0.51"};
    fake_smtp_server old{[] {
                             smtp_script s =
                                 script_with(matrix_pki().leaf, matrix_pki().pki.intermediate);
                             s.tls.max_version = TLS1_2_VERSION;
                             return s;
                         }(),
                         "127.0.0.52", good.port()};
    fake_smtp_server own{script_with(matrix_pki().expired, matrix_pki().pki.intermediate),
                         "127.0.0.53", good.port()};
    fake_dns_server dns{fake_zone()
                            .mx("good.test", 10, "mx.good.test")
                            .a("mx.good.test", "127.0.0.51")
                            .mx("old.test", 10, "mx.old.test")
                            .a("mx.old.test", "127.0.0.52")
                            .mx("own.test", 10, "mx.own.test")
                            .a("mx.own.test", "127.0.0.53")
                            .handler()};
    std::string targets = write_temp_file("own_domains:\n  - domain: own.test\n    tags: [own]\n"
                                          "partners:\n  - domain: good.test\n    name: Partner "
                                          "Bank\n    tags: [finance]\n  - old.test\n"
                                          "requirements:\n  min_version: TLSv1.2\n",
                                          ".yaml");

    [[nodiscard]] std::string options() const {
        return " --resolver 127.0.0.1:" + std::to_string(dns.port()) + " --port " +
               std::to_string(good.port()) + " --ca-file " + shell_quote(matrix_pki().root_file) +
               " --allow-private --ehlo scanner.test -q";
    }
};

std::string reports_folder() {
    const std::string file = write_temp_file(report_json(), ".json");
    const auto dir = std::filesystem::path(file).parent_path() / "reports";
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(file, dir / "partner.json",
                               std::filesystem::copy_options::overwrite_existing);
    // The same report again, under another name: counted once.
    std::filesystem::copy_file(file, dir / "partner-again.json",
                               std::filesystem::copy_options::overwrite_existing);
    return dir.string();
}

const nlohmann::json& row_of(const nlohmann::json& m, const std::string& domain) {
    for (const auto& r : m["rows"]) {
        if (r["domain"] == domain) {
            return r;
        }
    }
    FAIL("no row for " << domain);
    static const nlohmann::json none;
    return none;
}

} // namespace

TEST_SUITE("tools.matrix_cli") {

    TEST_CASE("a scan file and a reports folder make a matrix: outbound, inbound, what-if") {
        const matrix_world w;
        const std::string scan = write_temp_file("", ".jsonl");
        REQUIRE(run(mxprobe_bin + " scan " + w.targets + w.options() + " --format jsonl -o " + scan)
                    .exit_code == 2);
        const std::string reports = reports_folder();
        const std::string out = write_temp_file("", ".json");
        const auto r =
            run(mxprobe_bin + " matrix " + w.targets + " --scan " + scan + " --reports " + reports +
                " --require min_version=TLSv1.3 --format json -o " + out);
        CHECK(r.exit_code == 1); // partners compatible, but our own.test gets failures reported
        CHECK(run(validate + schemas + "matrix.schema.json " + out).exit_code == 0);
        std::ifstream in(out);
        const auto m = nlohmann::json::parse(in);
        CHECK(m["schema"] == "mxprobe/matrix/1");
        CHECK(m["reports"]["reports"] == 1);
        CHECK(m["reports"]["duplicates"] == 1);

        const auto& good = row_of(m, "good.test");
        CHECK(good["role"] == "partner");
        CHECK(good["name"] == "Partner Bank");
        CHECK(good["outbound"]["compatible"] == true);
        CHECK(good["outbound"]["state"] == "compatible");
        CHECK(good["encryption"] == "validated");

        const auto& old = row_of(m, "old.test");
        CHECK(old["outbound"]["compatible"] == true);
        CHECK(old["outbound"]["versions"]["TLSv1.2"] == true);

        const auto& own = row_of(m, "own.test");
        CHECK(own["role"] == "own");
        CHECK(own["inbound"]["sessions"] == 1224);
        CHECK(own["inbound"]["failures"] == 1204);
        REQUIRE(own["inbound"]["explanations"].size() == 1);
        const auto& e = own["inbound"]["explanations"][0];
        CHECK(e["status"] == "reproduced");
        CHECK(e["text"].get<std::string>().find(
                  "certificate-expired reported by 1 organization for 1,204 sessions at "
                  "mx.own.test; probe: mx.own.test's certificate expired on ") == 0);

        // Requiring TLS 1.3 breaks old.test, which sends no reports: 0% of the sessions.
        REQUIRE(m["what_if"].is_object());
        REQUIRE(m["what_if"]["breaking"].size() == 1);
        CHECK(m["what_if"]["breaking"][0]["domain"] == "old.test");
        CHECK(m["what_if"]["reported_sessions"] == 1224);
        CHECK(m["what_if"]["affected_sessions"] == 0);

        CHECK(m["coverage"]["partners"]["total"] == 2);
        CHECK(m["coverage"]["partners"]["validated"] == 2);
        CHECK(m["coverage"]["sessions"]["failed"] == 1204);
    }

    TEST_CASE("the table fits 100 columns, CSV and Markdown carry the same rows") {
        const matrix_world w;
        const std::string scan = write_temp_file("", ".jsonl");
        run(mxprobe_bin + " scan " + w.targets + w.options() + " --format jsonl -o " + scan);
        const std::string base = mxprobe_bin + " matrix " + w.targets + " --scan " + scan +
                                 " --reports " + reports_folder();
        const auto table = run(base);
        std::istringstream lines(table.out);
        std::size_t widest = 0;
        for (std::string line; std::getline(lines, line);) {
            widest = std::max(widest, line.size());
        }
        CHECK(widest <= 100);
        CHECK(table.out.find("own.test: certificate-expired reported by 1 organization") !=
              std::string::npos);
        const auto csv = run(base + " --format csv");
        CHECK(csv.out.find("domain,name,role,tags,encryption,outbound,compatible") == 0);
        CHECK(csv.out.find("\nold.test,old.test,partner,,validated,compatible,yes,TLSv1.2,") !=
              std::string::npos);
        const auto md = run(base + " --format markdown");
        CHECK(md.out.find("# Compatibility matrix") == 0);
        CHECK(md.out.find("| good.test | partner | validated | **compatible** |") !=
              std::string::npos);
    }

    TEST_CASE("a broken scan file is named with its line and JSON path") {
        const std::string scan =
            write_temp_file("{\"schema\":\"mxprobe/domain/1\",\"domain\":\"a.test\"}\n", ".jsonl");
        const auto r = run(mxprobe_bin + " matrix --scan " + scan + " 2>&1");
        CHECK(r.exit_code == 3);
        CHECK(r.out.find(scan + ":1: $.name: is missing") != std::string::npos);
        const auto bad =
            run(mxprobe_bin + " matrix --scan " + scan + " --require min_version=TLSv2 2>&1");
        CHECK(bad.exit_code == 3);
        CHECK(bad.out.find("--require min_version=TLSv2") != std::string::npos);
    }
}
