#include "tools/mxprobe/history_schema.hpp"

#include <array>

namespace mxprobe {

namespace {

// Version 1. Times are Unix seconds (UTC); 0 means "not yet" (finished, resolved_at).
// Indexes serve history_store's queries: a domain's results by time, every domain's newest
// result, results of a period, reports overlapping a period, open alerts by key, a domain's
// alerts by time.
constexpr const char* schema_1 = R"sql(
CREATE TABLE meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    grp         TEXT NOT NULL,
    started     INTEGER NOT NULL,
    finished    INTEGER NOT NULL DEFAULT 0,
    interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1))
);
CREATE INDEX scans_by_start ON scans (started);

CREATE TABLE domain_results (
    id       INTEGER PRIMARY KEY,
    scan_id  INTEGER NOT NULL REFERENCES scans (id),
    at       INTEGER NOT NULL,
    domain   TEXT NOT NULL,
    role     TEXT NOT NULL,
    verdict  TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX results_by_domain ON domain_results (domain, at);
CREATE INDEX results_by_time ON domain_results (at);
CREATE INDEX results_by_scan ON domain_results (scan_id);

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    organization TEXT NOT NULL,
    report_id    TEXT NOT NULL,
    range_start  INTEGER NOT NULL,
    range_end    INTEGER NOT NULL,
    file         TEXT NOT NULL,
    json         TEXT NOT NULL,
    UNIQUE (organization, report_id)
);
CREATE INDEX reports_by_start ON reports (range_start);

CREATE TABLE ingested_files (
    path  TEXT PRIMARY KEY NOT NULL,
    size  INTEGER NOT NULL,
    mtime INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    alert_key   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    domain      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    message     TEXT NOT NULL,
    raised_at   INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alerts_open_by_key ON alerts (alert_key) WHERE resolved_at = 0;
CREATE INDEX alerts_by_domain ON alerts (domain, raised_at);

CREATE TABLE schedule (
    grp      TEXT PRIMARY KEY NOT NULL,
    next_due INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr std::array<store_migration, 1> migrations{{
    {1, schema_1},
}};

} // namespace

std::span<const store_migration> store_migrations() {
    return migrations;
}

} // namespace mxprobe
