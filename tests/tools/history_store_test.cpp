// The history store on its own: every method against a real SQLite file, reopening, a reader
// beside a writer in WAL mode, files it must refuse (left byte for byte as they were), and a
// writer killed with SIGKILL in the middle of a series of commits.

#include "tests/support/scratch_dir.hpp"
#include "tools/mxprobe/history_store.hpp"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

using namespace mxprobe_test;
using mxprobe::history_store;
using mxprobe::store_error;

namespace {

// A second, raw connection: what another process (or another program) sees and does.
struct raw_db {
    explicit raw_db(const std::string& path) {
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
    }
    ~raw_db() { sqlite3_close(db); }
    raw_db(const raw_db&) = delete;
    raw_db& operator=(const raw_db&) = delete;

    void exec(const std::string& sql) const {
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        const std::string message = error == nullptr ? "" : error;
        sqlite3_free(error);
        REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << message);
    }
    [[nodiscard]] std::string text(const std::string& sql) const {
        sqlite3_stmt* s = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
        std::string out;
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
            out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        }
        sqlite3_finalize(s);
        return out;
    }
    sqlite3* db = nullptr;
};

std::string document_for(int i, std::size_t size) {
    std::string text =
        "{\"schema\":\"mxprobe/domain/1\",\"n\":" + std::to_string(i) + ",\"pad\":\"";
    text.append(size, static_cast<char>('a' + i % 26));
    return text + "\"}";
}

// Checks that opening `path` is refused with a message containing `why`, and that the file
// is byte for byte what it was.
void check_refused(const std::string& path, const std::string& why) {
    const std::string before = file_bytes(path);
    try {
        history_store store(path);
        FAIL("opened " << path);
    } catch (const store_error& e) {
        const std::string message = e.what();
        CHECK_MESSAGE(message.find(path) != std::string::npos, message);
        CHECK_MESSAGE(message.find(why) != std::string::npos, message);
        CHECK_MESSAGE(message.find("left as it is") != std::string::npos, message);
    }
    CHECK(file_bytes(path) == before);
}

} // namespace

TEST_SUITE("tools.history_store") {

    TEST_CASE("a new store is in WAL mode with mxprobe's meta table and the schema version") {
        const scratch_dir dir;
        const std::string path = dir.file("h.db");
        {
            const history_store store(path);
            CHECK(store.path() == path);
        }
        CHECK(history_store::schema_version() == 1);
        const raw_db raw(path);
        CHECK(raw.text("PRAGMA journal_mode") == "wal");
        CHECK(raw.text("PRAGMA user_version") == "1");
        CHECK(raw.text("SELECT value FROM meta WHERE name = 'application'") == "mxprobe");
        CHECK(raw.text("SELECT value FROM meta WHERE name = 'created_by'").rfind("mxprobe ", 0) ==
              0);
        CHECK(raw.text("PRAGMA integrity_check") == "ok");
    }

    TEST_CASE("scans and domain results: every query in time order, newest by time then insert") {
        const scratch_dir dir;
        history_store store(dir.file("h.db"));
        const auto first = store.begin_scan("scan", 1000);
        store.add_domain_result(first, 1010, "a.test", "partner", "ok", "{\"a\":1}");
        store.add_domain_result(first, 1020, "b.test", "own", "critical", "{\"b\":1}");
        store.finish_scan(first, 1030, false);
        const auto second = store.begin_scan("partners", 2000);
        store.add_domain_result(second, 2010, "a.test", "partner", "warning", "{\"a\":2}");
        // Same time as the one before: the later insert is the newer result.
        store.add_domain_result(second, 2010, "a.test", "partner", "ok", "{\"a\":3}");

        const auto scans = store.scans_since(0);
        REQUIRE(scans.size() == 2);
        CHECK(scans[0].id == first);
        CHECK(scans[0].group == "scan");
        CHECK(scans[0].finished == 1030);
        CHECK(scans[0].domains == 2);
        CHECK_FALSE(scans[0].interrupted);
        CHECK(scans[1].group == "partners");
        CHECK(scans[1].finished == 0); // still running, or died
        CHECK(scans[1].domains == 2);
        CHECK(store.scans_since(1500).size() == 1);
        store.finish_scan(second, 2100, true);
        CHECK(store.scans_since(1500).at(0).interrupted);
        CHECK_THROWS_AS(store.finish_scan(999, 1, false), store_error);

        const auto latest = store.latest_results();
        REQUIRE(latest.size() == 2);
        CHECK(latest[0].domain == "a.test");
        CHECK(latest[0].document == "{\"a\":3}");
        CHECK(latest[0].scan_id == second);
        CHECK(latest[1].domain == "b.test");
        CHECK(latest[1].role == "own");
        CHECK(latest[1].verdict == "critical");
        CHECK(latest[1].at == 1020);

        const auto before = store.latest_results_before(2000);
        REQUIRE(before.size() == 2);
        CHECK(before[0].document == "{\"a\":1}");
        CHECK(store.latest_results_before(1000).empty());

        const auto previous = store.previous_result("a.test", second);
        REQUIRE(previous);
        CHECK(previous->document == "{\"a\":1}");
        CHECK_FALSE(store.previous_result("b.test", first));
        CHECK(store.previous_result("b.test", second)->document == "{\"b\":1}");
        CHECK(store.result_before("a.test", 2011)->document == "{\"a\":3}");
        CHECK(store.result_before("a.test", 2010)->document == "{\"a\":1}");
        CHECK_FALSE(store.result_before("a.test", 1010));

        const auto since = store.results_since("a.test", 1500);
        REQUIRE(since.size() == 2);
        CHECK(since[0].document == "{\"a\":2}");
        CHECK(since[1].document == "{\"a\":3}");
        CHECK(store.results_since("c.test", 0).empty());
        const auto all = store.all_results_since(1015);
        REQUIRE(all.size() == 3);
        CHECK(all[0].domain == "b.test");
        std::vector<std::string> streamed;
        store.for_each_result_since(
            0, [&](mxprobe::stored_domain_result&& r) { streamed.push_back(r.document); });
        CHECK(streamed ==
              std::vector<std::string>{"{\"a\":1}", "{\"b\":1}", "{\"a\":2}", "{\"a\":3}"});
    }

    TEST_CASE(
        "a result for an unknown scan is refused: foreign keys are on, errors name the file") {
        const scratch_dir dir;
        history_store store(dir.file("h.db"));
        try {
            store.add_domain_result(42, 1, "a.test", "partner", "ok", "{}");
            FAIL("stored");
        } catch (const store_error& e) {
            const std::string message = e.what();
            CHECK(message.find(dir.file("h.db")) != std::string::npos);
            CHECK(message.find("FOREIGN KEY constraint failed") != std::string::npos);
        }
        CHECK(store.all_results_since(0).empty());
    }

    TEST_CASE("reports: once per organization and report-id, read back by overlapping period") {
        const scratch_dir dir;
        constexpr std::int64_t day = 86400;
        history_store store(dir.file("h.db"));
        CHECK(store.add_report({"Google Inc.", "r1", day, 2 * day - 1, "a.json", "{\"x\":1}"}));
        CHECK_FALSE(store.add_report({"Google Inc.", "r1", 0, 1, "b.json", "{\"x\":2}"}));
        CHECK(store.add_report({"Mimecast", "r1", 3 * day, 4 * day - 1, "c.json", "{}"}));
        const auto all = store.reports_between(0, 10 * day);
        REQUIRE(all.size() == 2);
        CHECK(all[0].organization == "Google Inc.");
        CHECK(all[0].file == "a.json");
        CHECK(all[0].json == "{\"x\":1}"); // the first copy kept
        CHECK(all[0].start == day);
        CHECK(all[0].end == 2 * day - 1);
        CHECK(store.reports_between(2 * day - 1, 2 * day - 1).size() == 1); // overlap
        CHECK(store.reports_between(2 * day, 3 * day - 1).empty());
        CHECK(store.reports_between(3 * day + 5, 3 * day + 5).at(0).organization == "Mimecast");
    }

    TEST_CASE("ingested files are known by path, size and mtime, and marked again on change") {
        const scratch_dir dir;
        history_store store(dir.file("h.db"));
        CHECK_FALSE(store.file_ingested("/r/a.json", 10, 5));
        store.mark_file_ingested("/r/a.json", 10, 5);
        CHECK(store.file_ingested("/r/a.json", 10, 5));
        CHECK_FALSE(store.file_ingested("/r/a.json", 11, 5));
        CHECK_FALSE(store.file_ingested("/r/a.json", 10, 6));
        store.mark_file_ingested("/r/a.json", 11, 6);
        CHECK(store.file_ingested("/r/a.json", 11, 6));
        CHECK_FALSE(store.file_ingested("/r/a.json", 10, 5));
    }

    TEST_CASE("alerts: one open alert per key, resolved once, listed by domain and period") {
        const scratch_dir dir;
        history_store store(dir.file("h.db"));
        mxprobe::stored_alert a{0,
                                "cert-expiry-warning:a.test:mx1",
                                "cert-expiry",
                                "warning",
                                "a.test",
                                "mx1.a.test",
                                "expires in 9 days",
                                100,
                                0};
        const auto id = store.raise_alert(a);
        CHECK(store.raise_alert(a) == id); // still open: not raised twice
        mxprobe::stored_alert b = a;
        b.key = "starttls-gone:b.test:mx";
        b.domain = "b.test";
        b.raised_at = 200;
        const auto other = store.raise_alert(b);
        CHECK(other != id);
        auto open = store.open_alerts();
        REQUIRE(open.size() == 2);
        CHECK(open.at(a.key).id == id);
        CHECK(open.at(a.key).severity == "warning");
        CHECK(open.at(a.key).message == "expires in 9 days");
        CHECK(open.at(a.key).resolved_at == 0);

        store.resolve_alert(id, 300);
        store.resolve_alert(id, 400); // resolved once: the first time stays
        CHECK_THROWS_AS(store.resolve_alert(12345, 1), store_error);
        open = store.open_alerts();
        CHECK(open.size() == 1);
        CHECK(open.count(b.key) == 1);
        // The condition again: a new alert with the same key.
        a.raised_at = 500;
        const auto again = store.raise_alert(a);
        CHECK(again != id);

        const auto of_a = store.alerts_since("a.test", 0);
        REQUIRE(of_a.size() == 2);
        CHECK(of_a[0].id == id);
        CHECK(of_a[0].resolved_at == 300);
        CHECK(of_a[1].id == again);
        CHECK(store.alerts_since("a.test", 250).size() == 2); // resolved at 300, raised at 500
        CHECK(store.alerts_since("a.test", 301).size() == 1);
        CHECK(store.alerts_since("", 0).size() == 3);
    }

    TEST_CASE("the watch schedule: next_due per group, replaced when set again") {
        const scratch_dir dir;
        history_store store(dir.file("h.db"));
        CHECK_FALSE(store.next_due("partners"));
        store.set_next_due("partners", 1000);
        store.set_next_due("own", 50);
        store.set_next_due("partners", 2000);
        CHECK(store.next_due("partners") == 2000);
        CHECK(store.next_due("own") == 50);
    }

    TEST_CASE("everything written survives closing and reopening, without migrating again") {
        const scratch_dir dir;
        const std::string path = dir.file("h.db");
        std::int64_t scan = 0;
        {
            history_store store(path);
            scan = store.begin_scan("scan", 10);
            store.add_domain_result(scan, 11, "a.test", "partner", "ok", "{}");
            store.finish_scan(scan, 12, false);
            store.add_report({"o", "r", 1, 2, "f", "{}"});
            store.mark_file_ingested("f", 1, 2);
            store.raise_alert({0, "k", "kind", "critical", "a.test", "s", "m", 11, 0});
            store.set_next_due("g", 99);
        }
        const history_store again(path, mxprobe::store_open::existing);
        CHECK(again.scans_since(0).at(0).finished == 12);
        CHECK(again.latest_results().at(0).scan_id == scan);
        CHECK(again.reports_between(0, 10).size() == 1);
        CHECK(again.file_ingested("f", 1, 2));
        CHECK(again.open_alerts().count("k") == 1);
        CHECK(again.next_due("g") == 99);
        const raw_db raw(path);
        CHECK(raw.text("SELECT count(*) FROM meta") == "2");
    }

    TEST_CASE("a reader sees every committed row while another connection is mid-write (WAL)") {
        const scratch_dir dir;
        const std::string path = dir.file("h.db");
        history_store writer(path);
        const auto scan = writer.begin_scan("scan", 1);
        writer.add_domain_result(scan, 2, "a.test", "partner", "ok", "{}");
        const history_store reader(path, mxprobe::store_open::existing);
        {
            const raw_db other(path);
            other.exec("BEGIN IMMEDIATE");
            other.exec("INSERT INTO domain_results (scan_id, at, domain, role, verdict, document) "
                       "VALUES (" +
                       std::to_string(scan) + ", 3, 'b.test', 'partner', 'ok', '{}')");
            // The write lock is held: a rollback journal would block this read.
            CHECK(reader.latest_results().size() == 1);
            other.exec("COMMIT");
        }
        CHECK(reader.latest_results().size() == 2);
        writer.add_domain_result(scan, 4, "c.test", "partner", "ok", "{}");
        CHECK(reader.latest_results().size() == 3);
    }

    TEST_CASE("refused, untouched: a file that is not an SQLite database") {
        const scratch_dir dir;
        check_refused(dir.write("text.db", "domain,verdict\na.test,ok\n"),
                      "not an SQLite database");
        check_refused(dir.write("short.db", "SQLite"), "not an SQLite database");
        std::filesystem::create_directory(dir.file("folder.db"));
        CHECK_THROWS_AS(history_store(dir.file("folder.db")), store_error);
    }

    TEST_CASE("refused, untouched: another program's SQLite database") {
        const scratch_dir dir;
        const std::string plain = dir.file("other.db");
        {
            const raw_db raw(plain);
            raw.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT); "
                     "INSERT INTO messages (body) VALUES ('hello')");
        }
        check_refused(plain, "another program (it has no mxprobe meta table)");
        CHECK_FALSE(std::filesystem::exists(plain + "-wal"));

        const std::string meta = dir.file("meta.db");
        {
            const raw_db raw(meta);
            raw.exec("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT); "
                     "INSERT INTO meta VALUES ('application', 'mailstats'); "
                     "PRAGMA user_version = 1");
        }
        check_refused(meta, "meta names the application 'mailstats'");

        const std::string empty_versioned = dir.file("versioned.db");
        {
            const raw_db raw(empty_versioned);
            raw.exec("PRAGMA user_version = 7");
        }
        check_refused(empty_versioned, "another program");
    }

    TEST_CASE("refused, untouched: a damaged store") {
        const scratch_dir dir;
        const std::string path = dir.file("h.db");
        {
            history_store store(path);
            store.add_report({"o", "r", 1, 2, "f", "{}"});
        }
        // The first page's b-tree header (sqlite_schema's root, at offset 100) overwritten.
        std::string bytes = file_bytes(path);
        REQUIRE(bytes.size() > 200);
        std::memset(bytes.data() + 100, 0xee, 40);
        const std::string damaged = dir.write("damaged.db", bytes);
        check_refused(damaged, "damaged or not an SQLite database");

        // SQLite's header string followed by noise.
        std::string noise = "SQLite format 3";
        noise.push_back('\0');
        for (int i = 0; i < 8192; ++i) {
            noise.push_back(static_cast<char>((i * 7919 + 13) & 0xff));
        }
        check_refused(dir.write("noise.db", noise), "damaged or not an SQLite database");
    }

    TEST_CASE("refused, untouched: a store written by a newer mxprobe") {
        const scratch_dir dir;
        const std::string path = dir.file("newer.db");
        {
            const raw_db raw(path);
            raw.exec("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT); "
                     "INSERT INTO meta VALUES ('application', 'mxprobe'); "
                     "CREATE TABLE things (x); PRAGMA user_version = 2");
        }
        check_refused(path,
                      "written by a newer mxprobe (schema version 2; this mxprobe knows up to 1)");
    }

    TEST_CASE("store_open::existing creates nothing: a missing, empty or blank file is an error") {
        const scratch_dir dir;
        const std::string missing = dir.file("missing.db");
        CHECK_THROWS_WITH_AS(history_store(missing, mxprobe::store_open::existing),
                             doctest::Contains("no such file"), store_error);
        CHECK_FALSE(std::filesystem::exists(missing));
        const std::string empty = dir.write("empty.db", "");
        CHECK_THROWS_WITH_AS(history_store(empty, mxprobe::store_open::existing),
                             doctest::Contains("empty file"), store_error);
        CHECK(file_bytes(empty).empty());
        // An empty file is a new store when creating is allowed (SQLite's own rule).
        { const history_store store(empty); }
        CHECK(history_store(empty, mxprobe::store_open::existing).latest_results().empty());
    }

    TEST_CASE(
        "SIGKILL during a series of commits leaves every committed result whole, none partial") {
        const scratch_dir dir;
        const std::string path = dir.file("h.db");
        { const history_store create(path); }
        int acks[2];
        REQUIRE(::pipe(acks) == 0);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            // The child writes large documents, acknowledging each commit, until killed.
            ::close(acks[0]);
            history_store store(path);
            const auto scan = store.begin_scan("scan", 1);
            for (int i = 0; i < 100000; ++i) {
                store.add_domain_result(scan, 10 + i, "d" + std::to_string(i) + ".test", "partner",
                                        "ok", document_for(i, 200000));
                if (::write(acks[1], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) {
                    ::_exit(1);
                }
            }
            ::_exit(0);
        }
        ::close(acks[1]);
        int acknowledged = -1;
        int n = 0;
        while (acknowledged < 25 &&
               ::read(acks[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
            acknowledged = n;
        }
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        // The child kept committing until the signal landed: its last acknowledgements are
        // still in the pipe.
        while (::read(acks[0], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) {
            acknowledged = n;
        }
        ::close(acks[0]);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGKILL);

        const history_store store(path, mxprobe::store_open::existing);
        const auto rows = store.all_results_since(0);
        // Every acknowledged commit is there; at most the one in flight (committed, killed
        // before it could say so) may be too.
        CHECK(static_cast<int>(rows.size()) >= acknowledged + 1);
        CHECK(static_cast<int>(rows.size()) <= acknowledged + 2);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            CHECK(rows[i].domain == "d" + std::to_string(i) + ".test");
            CHECK(rows[i].document == document_for(static_cast<int>(i), 200000));
        }
        const auto scans = store.scans_since(0);
        REQUIRE(scans.size() == 1);
        CHECK(scans[0].finished == 0);
        CHECK(scans[0].domains == static_cast<std::int64_t>(rows.size()));
        const raw_db raw(path);
        CHECK(raw.text("PRAGMA integrity_check") == "ok");
    }
}
