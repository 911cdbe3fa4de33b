// The history store through the real binary: `scan --db` twice against in-process fake DNS
// and SMTP peers whose certificate and TLS versions change in between, then `matrix --db`
// (which must not scan), `history` and `coverage` read it back, their JSON valid against the
// schemas; `tlsrpt --db` twice over one folder; a scan killed with SIGKILL mid-scan; no store
// made where none was asked for, and another program's file refused untouched.

#include "policy/time_text.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/fake_zone.hpp"
#include "tests/support/mxprobe_cli.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/smtp_tls_script.hpp"
#include "tests/support/test_certs.hpp"
#include "tools/mxprobe/history_store.hpp"

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;
using nlohmann::json;

namespace {

namespace fs = std::filesystem;

struct history_pki_t {
    test_pki pki = test_pki::create();
    issued first;
    issued renewed; // another certificate with another key, for the second scan
    std::string root_file;
};

const history_pki_t& history_pki() {
    static const history_pki_t m = [] {
        history_pki_t out;
        const cert_spec spec{
            .common_name = "mx",
            .dns_names = {"mx.good.test", "mx.plain.test", "mx.own.test", "mx.slow.test"}};
        out.first = out.pki.leaf(spec);
        out.renewed = out.pki.leaf(spec);
        out.root_file = write_temp_file(out.pki.root.cert_pem());
        return out;
    }();
    return m;
}

fake_zone zone_with_good_at(const std::string& good_ip) {
    return fake_zone()
        .mx("good.test", 10, "mx.good.test")
        .a("mx.good.test", good_ip)
        .mx("plain.test", 10, "mx.plain.test")
        .a("mx.plain.test", "127.0.0.62")
        .mx("own.test", 10, "mx.own.test")
        .a("mx.own.test", "127.0.0.63")
        .mx("slow.test", 10, "mx.slow.test")
        .a("mx.slow.test", "127.0.0.65");
}

// good.test moves from 127.0.0.61 (first certificate, TLS 1.3) to 127.0.0.64 (renewed
// certificate and key, TLS 1.2 at most) when `renew` is called.
struct history_world {
    fake_smtp_server good{script_with(history_pki().first, history_pki().pki.intermediate),
                          "127.0.0.61"};
    fake_smtp_server plain{[] {
                               smtp_script s =
                                   script_with(history_pki().first, history_pki().pki.intermediate);
                               s.offer_starttls = false;
                               return s;
                           }(),
                           "127.0.0.62", good.port()};
    fake_smtp_server own{script_with(history_pki().first, history_pki().pki.intermediate),
                         "127.0.0.63", good.port()};
    fake_smtp_server changed{[] {
                                 smtp_script s = script_with(history_pki().renewed,
                                                             history_pki().pki.intermediate);
                                 s.tls.max_version = TLS1_2_VERSION;
                                 return s;
                             }(),
                             "127.0.0.64", good.port()};
    fake_dns_server dns{zone_with_good_at("127.0.0.61").handler()};

    void renew() { dns.set_handler(zone_with_good_at("127.0.0.64").handler()); }

    [[nodiscard]] std::string options() const {
        return " --resolver 127.0.0.1:" + std::to_string(dns.port()) + " --port " +
               std::to_string(good.port()) + " --ca-file " + shell_quote(history_pki().root_file) +
               " --allow-private --ehlo scanner.test -q";
    }
};

std::string targets_yaml(const std::string& extra = "") {
    return "own_domains:\n  - own.test\npartners:\n  - domain: good.test\n    tags: [finance]\n"
           "  - plain.test\n" +
           extra;
}

// A TLS-RPT report about own.test for today (UTC), so that it falls in every default period.
std::string report_for_today(const std::string& id, int success, int failure) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string day = policy::iso8601_utc(now).substr(0, 10);
    return R"({"organization-name":"Partner Bank","date-range":{"start-datetime":")" + day +
           R"(T00:00:00Z","end-datetime":")" + day +
           R"(T23:59:59Z"},"contact-info":"tlsrpt@good.test","report-id":")" + id +
           R"(","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1",
"mode: enforce","mx: mx.own.test","max_age: 86400"],"policy-domain":"own.test",
"mx-host":["mx.own.test"]},"summary":{"total-successful-session-count":)" +
           std::to_string(success) + R"(,"total-failure-session-count":)" +
           std::to_string(failure) + R"(},"failure-details":[{"result-type":"certificate-expired",
"receiving-mx-hostname":"mx.own.test","failed-session-count":)" +
           std::to_string(failure) + "}]}]}";
}

bool valid(const std::string& schema, const std::string& text) {
    const std::string file = write_temp_file(text, ".json");
    return run(validate + schemas + schema + " " + file).exit_code == 0;
}

const json* change_of(const json& scan, const std::string& what) {
    for (const auto& c : scan["changes"]) {
        if (c["what"] == what) {
            return &c;
        }
    }
    return nullptr;
}

// Starts the binary with `args`, its output thrown away; returns its pid.
pid_t spawn(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(mxprobe_bin.c_str()));
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, mxprobe_bin.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
    return pid;
}

} // namespace

TEST_SUITE("tools.history_cli") {

    TEST_CASE("scan --db twice, then matrix --db without scanning, history and coverage") {
        history_world w;
        const scratch_dir dir;
        const std::string targets = dir.write("targets.yaml", targets_yaml());
        const std::string db = dir.file("history.db");
        fs::create_directory(dir.file("reports"));
        dir.write("reports/bank.json", report_for_today("r-today", 20, 4));
        REQUIRE(
            run(mxprobe_bin + " tlsrpt --db " + db + " " + dir.file("reports") + " >/dev/null 2>&1")
                .exit_code == 1); // failures reported

        const std::string scan =
            mxprobe_bin + " scan " + targets + w.options() + " --db " + db + " --format jsonl";
        const auto first = run(scan);
        CHECK(first.exit_code == 2); // plain.test has no STARTTLS
        w.renew();
        CHECK(run(scan).exit_code == 2);
        {
            const mxprobe::history_store store(db, mxprobe::store_open::existing);
            const auto scans = store.scans_since(0);
            REQUIRE(scans.size() == 2);
            for (const auto& s : scans) {
                CHECK(s.group == "scan");
                CHECK(s.domains == 3);
                CHECK(s.finished >= s.started);
                CHECK_FALSE(s.interrupted);
            }
            const auto latest = store.latest_results();
            REQUIRE(latest.size() == 3);
            CHECK(latest[0].domain == "good.test");
            CHECK(latest[0].scan_id == scans[1].id);
            CHECK(valid("domain.schema.json", latest[0].document));
            CHECK(latest[1].domain == "own.test");
            CHECK(latest[1].role == "own");
            CHECK(latest[2].verdict == "critical");
            // An alert as the watch raises them, to be listed by `history`.
            mxprobe::history_store writer(db);
            writer.raise_alert({0, "key-changed:good.test:mx.good.test", "key-changed", "warning",
                                "good.test", "mx.good.test", "new key", latest[0].at, 0});
        }

        // No DNS server answers at this resolver: a matrix that scanned would see nothing.
        const std::string out = dir.file("matrix.json");
        const auto m = run(mxprobe_bin + " matrix " + targets + " --db " + db +
                           " --resolver 127.0.0.1:9 --timeout 1 -q --format json -o " + out);
        CHECK(m.exit_code == 2); // plain.test, without STARTTLS, is incompatible
        const json matrix = json::parse(file_bytes(out));
        CHECK(valid("matrix.schema.json", matrix.dump()));
        REQUIRE(matrix["rows"].size() == 3);
        CHECK(matrix["rows"][0]["domain"] == "own.test");
        CHECK(matrix["rows"][1]["domain"] == "good.test");
        CHECK(matrix["rows"][1]["encryption"] == "validated");
        CHECK(matrix["rows"][1]["outbound"]["versions"]["TLSv1.2"] == true);
        CHECK(matrix["rows"][2]["encryption"] == "failing");
        CHECK(matrix["reports"]["reports"] == 1);
        CHECK(matrix["rows"][0]["inbound"]["failures"] == 4);
        CHECK(matrix["coverage"]["sessions"]["failed"] == 4);

        const auto h = run(mxprobe_bin + " history good.test --db " + db + " --json");
        CHECK(h.exit_code == 0);
        CHECK(valid("history.schema.json", h.out));
        const json history = json::parse(h.out);
        CHECK(history["schema"] == "mxprobe/history/1");
        REQUIRE(history["scans"].size() == 2);
        CHECK(history["scans"][0]["compared_with"].is_null());
        CHECK(history["scans"][0]["changes"].empty());
        const auto& second = history["scans"][1];
        CHECK(second["compared_with"]["scan_id"] == history["scans"][0]["scan_id"]);
        CHECK(second["verdict"] == "ok");
        const json* version = change_of(second, "tls-version");
        REQUIRE(version != nullptr);
        CHECK((*version)["from"] == "TLSv1.3");
        CHECK((*version)["to"] == "TLSv1.2");
        CHECK((*version)["host"] == "mx.good.test");
        CHECK(change_of(second, "certificate") != nullptr);
        CHECK(change_of(second, "key") != nullptr);
        const json* moved = change_of(second, "address"); // mx.good.test moved to 127.0.0.64
        REQUIRE(moved != nullptr);
        CHECK((*moved)["from"] == "127.0.0.61");
        CHECK((*moved)["to"] == "127.0.0.64");
        CHECK(change_of(second, "mx-added") == nullptr);
        REQUIRE(history["alerts"].size() == 1);
        CHECK(history["alerts"][0]["kind"] == "key-changed");
        CHECK(history["alerts"][0]["resolved_at"].is_null());

        const auto text = run(mxprobe_bin + " history good.test --db " + db);
        CHECK(text.out.find("good.test  since ") == 0);
        CHECK(text.out.find("2 stored result(s), 1 with changes; 1 alert(s)") != std::string::npos);
        CHECK(text.out.find("(first stored result)") != std::string::npos);
        CHECK(text.out.find("      mx.good.test [127.0.0.64]: address 127.0.0.61 -> 127.0.0.64\n"
                            "      mx.good.test [127.0.0.64]: TLS TLSv1.3 -> TLSv1.2\n") !=
              std::string::npos);
        const auto none = run(mxprobe_bin + " history other.test --db " + db + " 2>/dev/null");
        CHECK(none.exit_code == 3);

        const auto c = run(mxprobe_bin + " coverage --db " + db + " --targets " + targets +
                           " --since 2d --format json");
        CHECK(c.exit_code == 0);
        CHECK(valid("coverage.schema.json", c.out));
        const json coverage = json::parse(c.out);
        CHECK(coverage["roles_from"] == "targets");
        REQUIRE(coverage["days"].size() == 3); // two days back, and today
        const auto& today = coverage["days"].back();
        CHECK(today["results"] == 6);
        CHECK(today["partners"]["total"] == 2);
        CHECK(today["partners"]["validated"] == 1);
        CHECK(today["partners"]["failing"] == 1);
        CHECK(today["by_tag"]["finance"]["validated"] == 1);
        CHECK(today["own"]["total"] == 1);
        CHECK(today["reports"] == 1);
        CHECK(today["sessions"]["validated"] == 20);
        CHECK(today["sessions"]["failed"] == 4);
        CHECK(today["sessions"]["policy_types"]["sts"]["failure"] == 4);
        CHECK(coverage["days"][0]["partners"]["total"] == 0);

        const auto tagged = run(mxprobe_bin + " coverage --db " + db + " --tag finance --json");
        const json only_finance = json::parse(tagged.out);
        CHECK(only_finance["roles_from"] == "store");
        CHECK(only_finance["days"].back()["partners"]["total"] == 1);
        CHECK(only_finance["tags"] == json::array({"finance"}));
        const auto csv = run(mxprobe_bin + " coverage --db " + db + " --since 1d --format csv");
        CHECK(csv.out.find("day,scope,total,validated,opportunistic,failing,unknown,") == 0);
        CHECK(csv.out.find(",tag:finance,1,1,0,0,0,1.0000,0.0000,0.0000\n") != std::string::npos);
        CHECK(csv.out.find(",sessions,24,20,0,4,,0.8333,0.0000,0.1667\n") != std::string::npos);
        const auto table = run(mxprobe_bin + " coverage --db " + db + " --since 1d");
        CHECK(table.out.find("DAY         PARTNERS  VALIDATED") != std::string::npos);
        CHECK(table.out.find("tag finance (") != std::string::npos);
    }

    TEST_CASE("tlsrpt --db twice over one folder stores each report once") {
        const scratch_dir dir;
        const fs::path corpus = fs::path(MXPROBE_SOURCE_DIR) / "tests/data/tlsrpt/real";
        fs::copy(corpus, dir.file("reports"), fs::copy_options::recursive);
        const std::string db = dir.file("h.db");
        const std::string command = mxprobe_bin + " tlsrpt --json --db " + db + " " +
                                    dir.file("reports") + " 2>" + dir.file("stderr");
        const auto first = run(command);
        REQUIRE(!first.out.empty());
        const json summary = json::parse(first.out);
        CHECK(valid("tlsrpt.schema.json", first.out));
        const auto reports = summary["reports"].get<std::size_t>();
        CHECK(reports > 5);
        CHECK(file_bytes(dir.file("stderr"))
                  .find(std::to_string(reports) + " new report(s) stored in " + db +
                        ", 0 stored before") != std::string::npos);
        const auto second = run(command);
        CHECK(json::parse(second.out)["reports"] == reports); // the summary is the same
        CHECK(file_bytes(dir.file("stderr"))
                  .find("0 new report(s) stored in " + db + ", " + std::to_string(reports) +
                        " stored before") != std::string::npos);

        const mxprobe::history_store store(db, mxprobe::store_open::existing);
        const auto stored = store.reports_between(INT64_MIN, INT64_MAX);
        CHECK(stored.size() == reports);
        for (const auto& r : stored) {
            CHECK(json::parse(r.json).contains("organization-name")); // unwrapped JSON text
            CHECK(r.file.rfind(dir.file("reports"), 0) == 0);
        }
        for (const auto& entry : fs::directory_iterator(dir.file("reports"))) {
            struct stat st {};
            REQUIRE(::stat(entry.path().c_str(), &st) == 0);
            const std::int64_t mtime_ns =
                static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
            CHECK_MESSAGE(store.file_ingested(entry.path().string(), st.st_size, mtime_ns),
                          entry.path());
        }
    }

    TEST_CASE(
        "scan --db killed with SIGKILL mid-scan: committed domains stay, the next scan works") {
        history_world w;
        smtp_script held = script_with(history_pki().first, history_pki().pki.intermediate);
        held.banner_delay = std::chrono::seconds(60);
        const fake_smtp_server tarpit(held, "127.0.0.65", w.good.port());
        const scratch_dir dir;
        const std::string targets =
            dir.write("targets.yaml", "partners: [good.test, plain.test, slow.test]\n");
        const std::string db = dir.file("h.db");
        // slow.test's MX holds the greeting for a minute: the scan is killed while it waits.
        const pid_t pid = spawn({"scan", targets, "--db", db, "--timeout", "60", "--format",
                                 "jsonl", "--resolver", "127.0.0.1:" + std::to_string(w.dns.port()),
                                 "--port", std::to_string(w.good.port()), "--ca-file",
                                 history_pki().root_file, "--allow-private", "-q"});
        std::size_t stored = 0;
        for (int i = 0; i < 300 && stored < 2; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            try {
                stored = mxprobe::history_store(db, mxprobe::store_open::existing)
                             .all_results_since(0)
                             .size();
            } catch (const mxprobe::store_error&) {
                stored = 0; // not created yet
            }
        }
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        REQUIRE(WIFSIGNALED(status));
        REQUIRE(stored == 2);

        {
            const mxprobe::history_store store(db, mxprobe::store_open::existing);
            const auto scans = store.scans_since(0);
            REQUIRE(scans.size() == 1);
            CHECK(scans[0].finished == 0); // died: never finished, not marked interrupted
            const auto results = store.all_results_since(0);
            REQUIRE(results.size() == 2);
            for (const auto& r : results) {
                CHECK(r.domain != "slow.test");
                CHECK(valid("domain.schema.json", r.document));
            }
        }
        const std::string again = dir.write("again.yaml", "partners: [good.test]\n");
        CHECK(run(mxprobe_bin + " scan " + again + w.options() + " --db " + db +
                  " --format jsonl >/dev/null")
                  .exit_code == 0);
        const mxprobe::history_store store(db, mxprobe::store_open::existing);
        CHECK(store.scans_since(0).size() == 2);
        CHECK(store.results_since("good.test", 0).size() == 2);
        CHECK(run(mxprobe_bin + " history good.test --db " + db + " >/dev/null").exit_code == 0);
    }

    TEST_CASE("no store unless asked: none without --db or db:, the targets file's db: is used") {
        const history_world w;
        const scratch_dir dir;
        const std::string plain = dir.write("targets.yaml", "partners: [good.test]\n");
        CHECK(run(mxprobe_bin + " scan " + plain + w.options() + " >/dev/null").exit_code == 0);
        CHECK(run(mxprobe_bin + " matrix " + plain + w.options() + " >/dev/null").exit_code == 0);
        CHECK_FALSE(fs::exists(dir.file("mxprobe.db")));
        CHECK(fs::directory_iterator(dir.path()) != fs::directory_iterator());
        CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);

        const std::string with_db =
            dir.write("with-db.yaml", "partners: [good.test]\ndb: state/watch.db\n");
        fs::create_directory(dir.file("state"));
        CHECK(run(mxprobe_bin + " scan " + with_db + w.options() + " >/dev/null").exit_code == 0);
        const mxprobe::history_store store(dir.file("state/watch.db"),
                                           mxprobe::store_open::existing);
        CHECK(store.latest_results().size() == 1);
        // history finds the same store through the targets file.
        CHECK(run(mxprobe_bin + " history good.test --targets " + with_db + " >/dev/null")
                  .exit_code == 0);
    }

    TEST_CASE("--db naming another program's file: refused before scanning, the file untouched") {
        const history_world w;
        const scratch_dir dir;
        const std::string targets = dir.write("targets.yaml", "partners: [good.test]\n");
        const std::string other = dir.write("notes.db", "these are my notes, not a database\n");
        const auto r =
            run(mxprobe_bin + " scan " + targets + w.options() + " --db " + other + " 2>&1");
        CHECK(r.exit_code == 3);
        CHECK(r.out.find("history store " + other + ": not an SQLite database") !=
              std::string::npos);
        CHECK(w.good.connections() == 0);
        CHECK(file_bytes(other) == "these are my notes, not a database\n");
        const auto t = run(mxprobe_bin + " tlsrpt --db " + other + " " + dir.path() + " 2>&1");
        CHECK(t.exit_code == 3);
        CHECK(file_bytes(other) == "these are my notes, not a database\n");
        const auto h =
            run(mxprobe_bin + " history good.test --db " + dir.file("none.db") + " 2>&1");
        CHECK(h.exit_code == 3);
        CHECK(h.out.find("no such file") != std::string::npos);
        CHECK_FALSE(fs::exists(dir.file("none.db")));
    }
}
