// The history store's reads and writes. Every write is one statement, so SQLite commits it
// as its own transaction before the call returns (autocommit): a crash loses nothing a call
// has returned from, and never leaves half a row.

#include "tools/mxprobe/history_store.hpp"

#include "tools/mxprobe/sqlite_statement.hpp"

#include <sqlite3.h>

namespace mxprobe {

namespace {

constexpr const char* result_columns = "scan_id, at, domain, role, verdict, document";

stored_domain_result result_row(const sqlite_statement& s) {
    return {s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}

std::vector<stored_domain_result> all_rows(sqlite_statement& s) {
    std::vector<stored_domain_result> out;
    while (s.step()) {
        out.push_back(result_row(s));
    }
    return out;
}

std::optional<stored_domain_result> first_row(sqlite_statement& s) {
    if (!s.step()) {
        return std::nullopt;
    }
    return result_row(s);
}

stored_alert alert_row(const sqlite_statement& s) {
    return {s.integer(0), s.text(1), s.text(2),    s.text(3),   s.text(4),
            s.text(5),    s.text(6), s.integer(7), s.integer(8)};
}

constexpr const char* alert_columns =
    "id, alert_key, kind, severity, domain, subject, message, raised_at, resolved_at";

// For every domain the id of its newest result (by time, then insertion) before `before`:
// one index probe per domain on results_by_domain, whose entries end in the rowid.
constexpr const char* latest_before_sql =
    "SELECT scan_id, at, domain, role, verdict, document FROM domain_results WHERE id IN ("
    "SELECT (SELECT r.id FROM domain_results r WHERE r.domain = d.domain AND r.at < ?1 "
    "ORDER BY r.at DESC, r.id DESC LIMIT 1) FROM (SELECT DISTINCT domain FROM domain_results) d"
    ") ORDER BY domain";

} // namespace

std::int64_t history_store::begin_scan(const std::string& group, std::int64_t started) {
    sqlite_statement s(db_, path_, "INSERT INTO scans (grp, started) VALUES (?1, ?2)");
    s.bind_text(1, group).bind_int(2, started).run();
    return sqlite3_last_insert_rowid(db_);
}

void history_store::add_domain_result(std::int64_t scan_id, std::int64_t at,
                                      const std::string& domain, const std::string& role,
                                      const std::string& verdict, const std::string& document) {
    sqlite_statement s(db_, path_,
                       "INSERT INTO domain_results (scan_id, at, domain, role, verdict, document) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    s.bind_int(1, scan_id)
        .bind_int(2, at)
        .bind_text(3, domain)
        .bind_text(4, role)
        .bind_text(5, verdict)
        .bind_text(6, document)
        .run();
}

void history_store::finish_scan(std::int64_t scan_id, std::int64_t finished, bool interrupted) {
    sqlite_statement s(db_, path_,
                       "UPDATE scans SET finished = ?2, interrupted = ?3 WHERE id = ?1");
    s.bind_int(1, scan_id).bind_int(2, finished).bind_int(3, interrupted ? 1 : 0).run();
    if (sqlite3_changes(db_) == 0) {
        throw store_error("history store " + path_ + ": finishing scan " + std::to_string(scan_id) +
                          ": no such scan");
    }
}

std::vector<stored_scan> history_store::scans_since(std::int64_t since) const {
    sqlite_statement s(db_, path_,
                       "SELECT s.id, s.grp, s.started, s.finished, s.interrupted, "
                       "(SELECT count(*) FROM domain_results r WHERE r.scan_id = s.id) "
                       "FROM scans s WHERE s.started >= ?1 OR s.finished >= ?1 "
                       "ORDER BY s.started, s.id");
    s.bind_int(1, since);
    std::vector<stored_scan> out;
    while (s.step()) {
        out.push_back(
            {s.integer(0), s.text(1), s.integer(2), s.integer(3), s.integer(4) != 0, s.integer(5)});
    }
    return out;
}

std::vector<stored_domain_result> history_store::latest_results() const {
    sqlite_statement s(db_, path_, latest_before_sql);
    s.bind_int(1, INT64_MAX);
    return all_rows(s);
}

std::vector<stored_domain_result> history_store::latest_results_before(std::int64_t before) const {
    sqlite_statement s(db_, path_, latest_before_sql);
    s.bind_int(1, before);
    return all_rows(s);
}

std::optional<stored_domain_result> history_store::previous_result(const std::string& domain,
                                                                   std::int64_t except_scan) const {
    sqlite_statement s(db_, path_,
                       std::string("SELECT ") + result_columns +
                           " FROM domain_results WHERE domain = ?1 AND scan_id <> ?2 "
                           "ORDER BY at DESC, id DESC LIMIT 1");
    s.bind_text(1, domain).bind_int(2, except_scan);
    return first_row(s);
}

std::optional<stored_domain_result> history_store::result_before(const std::string& domain,
                                                                 std::int64_t before) const {
    sqlite_statement s(db_, path_,
                       std::string("SELECT ") + result_columns +
                           " FROM domain_results WHERE domain = ?1 AND at < ?2 "
                           "ORDER BY at DESC, id DESC LIMIT 1");
    s.bind_text(1, domain).bind_int(2, before);
    return first_row(s);
}

std::vector<stored_domain_result> history_store::results_since(const std::string& domain,
                                                               std::int64_t since) const {
    sqlite_statement s(db_, path_,
                       std::string("SELECT ") + result_columns +
                           " FROM domain_results WHERE domain = ?1 AND at >= ?2 ORDER BY at, id");
    s.bind_text(1, domain).bind_int(2, since);
    return all_rows(s);
}

std::vector<stored_domain_result> history_store::all_results_since(std::int64_t since) const {
    std::vector<stored_domain_result> out;
    for_each_result_since(since, [&](stored_domain_result&& r) { out.push_back(std::move(r)); });
    return out;
}

void history_store::for_each_result_since(
    std::int64_t since, const std::function<void(stored_domain_result&&)>& visit) const {
    sqlite_statement s(db_, path_,
                       std::string("SELECT ") + result_columns +
                           " FROM domain_results WHERE at >= ?1 ORDER BY at, id");
    s.bind_int(1, since);
    while (s.step()) {
        visit(result_row(s));
    }
}

bool history_store::add_report(const stored_report& r) {
    sqlite_statement s(db_, path_,
                       "INSERT INTO reports (organization, report_id, range_start, range_end, "
                       "file, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                       "ON CONFLICT (organization, report_id) DO NOTHING");
    s.bind_text(1, r.organization)
        .bind_text(2, r.report_id)
        .bind_int(3, r.start)
        .bind_int(4, r.end)
        .bind_text(5, r.file)
        .bind_text(6, r.json)
        .run();
    return sqlite3_changes(db_) == 1;
}

std::vector<stored_report> history_store::reports_between(std::int64_t from,
                                                          std::int64_t to) const {
    sqlite_statement s(db_, path_,
                       "SELECT organization, report_id, range_start, range_end, file, json "
                       "FROM reports WHERE range_start <= ?2 AND range_end >= ?1 "
                       "ORDER BY range_start, id");
    s.bind_int(1, from).bind_int(2, to);
    std::vector<stored_report> out;
    while (s.step()) {
        out.push_back({s.text(0), s.text(1), s.integer(2), s.integer(3), s.text(4), s.text(5)});
    }
    return out;
}

bool history_store::file_ingested(const std::string& file, std::int64_t size,
                                  std::int64_t mtime) const {
    sqlite_statement s(db_, path_,
                       "SELECT 1 FROM ingested_files WHERE path = ?1 AND size = ?2 AND mtime = ?3");
    s.bind_text(1, file).bind_int(2, size).bind_int(3, mtime);
    return s.step();
}

void history_store::mark_file_ingested(const std::string& file, std::int64_t size,
                                       std::int64_t mtime) {
    sqlite_statement s(db_, path_,
                       "INSERT INTO ingested_files (path, size, mtime) VALUES (?1, ?2, ?3) "
                       "ON CONFLICT (path) DO UPDATE SET size = excluded.size, "
                       "mtime = excluded.mtime");
    s.bind_text(1, file).bind_int(2, size).bind_int(3, mtime).run();
}

std::map<std::string, stored_alert> history_store::open_alerts() const {
    sqlite_statement s(
        db_, path_, std::string("SELECT ") + alert_columns + " FROM alerts WHERE resolved_at = 0");
    std::map<std::string, stored_alert> out;
    while (s.step()) {
        stored_alert a = alert_row(s);
        std::string key = a.key;
        out.emplace(std::move(key), std::move(a));
    }
    return out;
}

std::int64_t history_store::raise_alert(const stored_alert& a) {
    // The partial unique index keeps one open alert per key; a second raise is a no-op.
    sqlite_statement s(db_, path_,
                       "INSERT INTO alerts (alert_key, kind, severity, domain, subject, message, "
                       "raised_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                       "ON CONFLICT (alert_key) WHERE resolved_at = 0 DO NOTHING");
    s.bind_text(1, a.key)
        .bind_text(2, a.kind)
        .bind_text(3, a.severity)
        .bind_text(4, a.domain)
        .bind_text(5, a.subject)
        .bind_text(6, a.message)
        .bind_int(7, a.raised_at)
        .run();
    if (sqlite3_changes(db_) == 1) {
        return sqlite3_last_insert_rowid(db_);
    }
    sqlite_statement open(db_, path_,
                          "SELECT id FROM alerts WHERE alert_key = ?1 AND resolved_at = 0");
    open.bind_text(1, a.key);
    const auto id = open.single_int();
    if (!id) {
        throw store_error("history store " + path_ + ": raising alert " + a.key +
                          ": neither inserted nor open");
    }
    return *id;
}

void history_store::resolve_alert(std::int64_t id, std::int64_t at) {
    sqlite_statement s(db_, path_,
                       "UPDATE alerts SET resolved_at = ?2 WHERE id = ?1 AND resolved_at = 0");
    s.bind_int(1, id).bind_int(2, at).run();
    if (sqlite3_changes(db_) == 1) {
        return;
    }
    sqlite_statement known(db_, path_, "SELECT 1 FROM alerts WHERE id = ?1");
    known.bind_int(1, id);
    if (!known.step()) {
        throw store_error("history store " + path_ + ": resolving alert " + std::to_string(id) +
                          ": no such alert");
    }
}

std::vector<stored_alert> history_store::alerts_since(const std::string& domain,
                                                      std::int64_t since) const {
    sqlite_statement s(db_, path_,
                       std::string("SELECT ") + alert_columns +
                           " FROM alerts WHERE (?1 = '' OR domain = ?1) AND "
                           "(raised_at >= ?2 OR resolved_at >= ?2) ORDER BY raised_at, id");
    s.bind_text(1, domain).bind_int(2, since);
    std::vector<stored_alert> out;
    while (s.step()) {
        out.push_back(alert_row(s));
    }
    return out;
}

std::optional<std::int64_t> history_store::next_due(const std::string& group) const {
    sqlite_statement s(db_, path_, "SELECT next_due FROM schedule WHERE grp = ?1");
    s.bind_text(1, group);
    return s.single_int();
}

void history_store::set_next_due(const std::string& group, std::int64_t at) {
    sqlite_statement s(db_, path_,
                       "INSERT INTO schedule (grp, next_due) VALUES (?1, ?2) "
                       "ON CONFLICT (grp) DO UPDATE SET next_due = excluded.next_due");
    s.bind_text(1, group).bind_int(2, at).run();
}

} // namespace mxprobe
