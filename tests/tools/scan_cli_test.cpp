// The real mxprobe binary: `scan` and `domain` against in-process fake DNS and SMTP peers on
// loopback. Output formats validate against their schemas, a bad targets file stops
// everything with file:line:column, shards split a list exactly, bad list lines are named.

#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/fake_zone.hpp"
#include "tests/support/mxprobe_cli.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;

namespace {

struct scan_pki_t {
    test_pki pki = test_pki::create();
    issued leaf;
    std::string root_file;
};

const scan_pki_t& scan_pki() {
    static const scan_pki_t m = [] {
        scan_pki_t out;
        out.leaf = out.pki.leaf(
            cert_spec{.common_name = "mx", .dns_names = {"mx.good.test", "mx.plain.test"}});
        out.root_file = write_temp_file(out.pki.root.cert_pem());
        return out;
    }();
    return m;
}

smtp_script good_script() {
    smtp_script s;
    s.tls.cert_chain_pem = scan_pki().leaf.cert_pem() + scan_pki().pki.intermediate.cert_pem();
    s.tls.key_pem = scan_pki().leaf.key_pem();
    return s;
}

// Two MX hosts (a good one, one without STARTTLS) and a zone with three domains.
struct scan_world {
    fake_smtp_server good{good_script(), "127.0.0.41"};
    fake_smtp_server plain{[] {
                               smtp_script s = good_script();
                               s.offer_starttls = false;
                               return s;
                           }(),
                           "127.0.0.42", good.port()};
    fake_dns_server dns{fake_zone()
                            .mx("good.test", 10, "mx.good.test")
                            .a("mx.good.test", "127.0.0.41")
                            .mx("plain.test", 10, "mx.plain.test")
                            .a("mx.plain.test", "127.0.0.42")
                            .handler()};

    [[nodiscard]] std::string options() const {
        return " --resolver 127.0.0.1:" + std::to_string(dns.port()) + " --port " +
               std::to_string(good.port()) + " --ca-file " + shell_quote(scan_pki().root_file) +
               " --allow-private --ehlo scanner.test";
    }
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            out.push_back(line);
        }
    }
    return out;
}

std::string targets_file(const std::string& body) {
    return write_temp_file(body, ".yaml");
}

} // namespace

TEST_SUITE("tools.scan_cli") {

    TEST_CASE("a bad targets file stops the scan with file:line:column and exit 3") {
        const std::string file =
            targets_file("partners:\n  - domain: good.test\n    enumrate: true\n");
        const auto r = run(mxprobe_bin + " scan " + shell_quote(file) + " 2>&1");
        CHECK(r.exit_code == 3);
        CHECK(r.out.find(file + ":3:5: unknown key 'enumrate'") != std::string::npos);
    }

    TEST_CASE("jsonl: one valid mxprobe/domain/1 document per domain, streamed") {
        const scan_world w;
        const std::string file =
            targets_file("partners:\n  - domain: good.test\n    name: Good Partner\n    tags: [a]\n"
                         "  - plain.test\n  - gone.test\n");
        const auto r =
            run(mxprobe_bin + " scan " + shell_quote(file) + w.options() + " --format jsonl");
        CHECK(r.exit_code == 2); // plain.test has no STARTTLS, gone.test does not exist
        const auto lines = lines_of(r.out);
        REQUIRE(lines.size() == 3);
        std::set<std::string> seen;
        const std::string validate_domain = validate + schemas + "domain.schema.json ";
        for (const auto& line : lines) {
            const auto doc = nlohmann::json::parse(line);
            seen.insert(doc["domain"].get<std::string>());
            const std::string one = write_temp_file(line, ".json");
            CHECK(run(validate_domain + one).exit_code == 0);
            if (doc["domain"] == "good.test") {
                CHECK(doc["name"] == "Good Partner");
                CHECK(doc["tags"] == nlohmann::json::array({"a"}));
                CHECK(doc["verdict"] == "ok");
                CHECK(doc["hosts"][0]["probe"]["tls"]["version"] == "TLSv1.3");
            } else if (doc["domain"] == "plain.test") {
                CHECK(doc["result_types"] == nlohmann::json::array({"starttls-not-supported"}));
                CHECK(doc["hosts"][0]["policy"] == "none");
            } else {
                CHECK(doc["route"] == "nxdomain");
            }
        }
        CHECK(seen == std::set<std::string>{"good.test", "plain.test", "gone.test"});
    }

    TEST_CASE("json: one mxprobe/scan/1 document with a summary, csv: a row per MX address") {
        const scan_world w;
        const std::string file = targets_file("partners: [good.test, plain.test]\n");
        const std::string out = write_temp_file("", ".json");
        const auto r =
            run(mxprobe_bin + " scan " + shell_quote(file) + w.options() + " -q --json -o " + out);
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(run(validate + schemas + "scan.schema.json " + out).exit_code == 0);
        std::ifstream in(out);
        const auto doc = nlohmann::json::parse(in);
        CHECK(doc["summary"]["domains"] == 2);
        CHECK(doc["summary"]["probes"] == 2);
        CHECK(doc["summary"]["verdicts"]["critical"] == 1);
        CHECK(doc["summary"]["interrupted"] == false);

        const auto csv =
            run(mxprobe_bin + " scan " + shell_quote(file) + w.options() + " --format csv");
        const auto rows = lines_of(csv.out);
        REQUIRE(rows.size() == 3);
        CHECK(rows[0].find("domain,name,role,tags,verdict,route,mx_host") == 0);
        CHECK(csv.out.find("plain.test,plain.test,partner,,critical,mx,mx.plain.test,10,127.0.0.42,"
                           "starttls_not_offered,no,") != std::string::npos);
    }

    TEST_CASE("the table lists every domain in target order with a summary line") {
        const scan_world w;
        const std::string file = targets_file("partners: [plain.test, good.test]\n");
        const auto r = run(mxprobe_bin + " scan " + shell_quote(file) + w.options() + " -q");
        CHECK(r.exit_code == 2);
        const auto rows = lines_of(r.out);
        REQUIRE(rows.size() == 4);
        CHECK(rows[0].find("DOMAIN") == 0);
        CHECK(rows[1].find("plain.test") == 0);
        CHECK(rows[1].find("CRITICAL") != std::string::npos);
        CHECK(rows[2].find("good.test") == 0);
        CHECK(rows[2].find("TLSv1.3") != std::string::npos);
        CHECK(rows[3].find("2 domain(s): 1 ok 0 warning 1 critical 0 unknown; 2 MX address "
                           "probe(s)") == 0);
    }

    TEST_CASE("--shard K/N splits a list exactly: every domain in one shard, none twice") {
        const fake_dns_server dns(fake_zone().handler()); // everything is NXDOMAIN: fast
        std::string list = "# a list\n";
        for (int i = 0; i < 40; ++i) {
            list += "d" + std::to_string(i) + ".test\n";
        }
        const std::string file = write_temp_file(list, ".txt");
        std::multiset<std::string> all;
        const std::string scan =
            mxprobe_bin + " scan --domains " + file +
            " --format jsonl -q --resolver 127.0.0.1:" + std::to_string(dns.port()) + " --shard ";
        for (const char* s : {"0/3", "1/3", "2/3"}) {
            const auto r = run(scan + s);
            CHECK(r.exit_code == 2);
            for (const auto& line : lines_of(r.out)) {
                all.insert(nlohmann::json::parse(line)["domain"].get<std::string>());
            }
        }
        CHECK(all.size() == 40);
        CHECK(std::set<std::string>(all.begin(), all.end()).size() == 40);
        const auto bad = run(mxprobe_bin + " scan --domains " + file + " --shard 3/3 2>&1");
        CHECK(bad.exit_code == 3);
        CHECK(bad.out.find("--shard must be K/N with 0 <= K < N") != std::string::npos);
    }

    TEST_CASE("a bad line of a domain list is named with its line number, the rest is scanned") {
        const fake_dns_server dns(fake_zone().handler());
        const std::string file = write_temp_file(
            "a.test\nnot a domain\nb.test\n\n" + std::string(2000, 'x') + "\n", ".txt");
        const auto r =
            run(mxprobe_bin + " scan --domains " + file +
                " --format jsonl -q --resolver 127.0.0.1:" + std::to_string(dns.port()) + " 2>&1");
        CHECK(r.out.find(file + ":2: 'not a domain' is not a domain name") != std::string::npos);
        CHECK(r.out.find(file + ":5: line longer than 1024 characters, skipped") !=
              std::string::npos);
        CHECK(r.out.find("2 line(s) of " + file + " skipped") != std::string::npos);
        CHECK(r.out.find("\"domain\":\"a.test\"") != std::string::npos);
        CHECK(r.out.find("\"domain\":\"b.test\"") != std::string::npos);
    }

    TEST_CASE("Ctrl-C stops a scan at once and the JSON written so far is whole and valid") {
        smtp_script held = good_script();
        held.banner_delay = std::chrono::seconds(60);
        const scan_world w;
        const fake_smtp_server tarpit(held, "127.0.0.43", w.good.port());
        const fake_dns_server dns(fake_zone()
                                      .mx("good.test", 10, "mx.good.test")
                                      .a("mx.good.test", "127.0.0.41")
                                      .mx("slow.test", 10, "mx.slow.test")
                                      .a("mx.slow.test", "127.0.0.43")
                                      .handler());
        const std::string file = targets_file("partners: [good.test, slow.test]\n");
        const std::string out = write_temp_file("", ".json");
        const std::string scan = mxprobe_bin + " scan " + shell_quote(file) +
                                 " --resolver 127.0.0.1:" + std::to_string(dns.port()) +
                                 " --port " + std::to_string(w.good.port()) + " --ca-file " +
                                 shell_quote(scan_pki().root_file) +
                                 " --allow-private --timeout 60 -q --json -o " + out;
        // Wait until the first domain is on disk, then interrupt.
        const auto r = run(scan +
                           " 2>/dev/null & pid=$!; for i in $(seq 100); do grep -q "
                           "good.test " +
                           out + " && break; sleep 0.1; done; kill -INT $pid; wait $pid");
        CHECK(r.exit_code == 3);
        CHECK(r.seconds < 30);
        CHECK(run(validate + schemas + "scan.schema.json " + out).exit_code == 0);
        std::ifstream in(out);
        const auto doc = nlohmann::json::parse(in);
        CHECK(doc["summary"]["interrupted"] == true);
        REQUIRE(doc["domains"].size() == 1);
        CHECK(doc["domains"][0]["domain"] == "good.test");
    }

    TEST_CASE("mxprobe domain: the whole picture, exit status from the verdict") {
        const scan_world w;
        const auto good = run(mxprobe_bin + " domain good.test" + w.options() + " --json");
        CHECK(good.exit_code == 0);
        const std::string file = write_temp_file(good.out, ".json");
        CHECK(run(validate + schemas + "domain.schema.json " + file).exit_code == 0);
        const auto plain = run(mxprobe_bin + " domain plain.test" + w.options());
        CHECK(plain.exit_code == 2);
        CHECK(plain.out.find("plain.test  CRITICAL") == 0);
        CHECK(plain.out.find("RFC 8460  starttls-not-supported") != std::string::npos);
    }
}
