// Opening the history store safely. A file is looked at before anything is written to it:
// its first 16 bytes must be SQLite's header, and a read-only connection must find either
// an empty database or mxprobe's meta table with a schema version this build knows. Only
// then is it opened for writing, switched to WAL and migrated. A refused file is left
// byte for byte as it was (a read-only connection never checkpoints or rolls back).

#include "mxprobe_version.hpp"
#include "tools/mxprobe/history_schema.hpp"
#include "tools/mxprobe/history_store.hpp"
#include "tools/mxprobe/sqlite_statement.hpp"

#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sqlite3.h>

namespace mxprobe {

namespace {

namespace fs = std::filesystem;

// Readers and writers of one store wait this long for each other's locks before failing.
constexpr int busy_timeout_ms = 10000;

struct connection_closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using connection = std::unique_ptr<sqlite3, connection_closer>;

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
    throw store_error("history store " + path + ": " + why + "; not used, left as it is");
}

connection open_connection(const std::string& path, int flags) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    connection db(raw);
    if (rc != SQLITE_OK) {
        throw_sqlite(db.get(), path, "opening");
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
    return db;
}

std::int64_t user_version(sqlite3* db, const std::string& path) {
    return sqlite_statement(db, path, "PRAGMA user_version").single_int().value_or(0);
}

// What is in the file now: 0 for nothing yet (absent, empty, or an SQLite database without
// tables), else the schema version of an mxprobe store. Anything else is refused.
std::int64_t inspect(const std::string& path, store_open mode) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        if (mode == store_open::existing) {
            throw store_error("history store " + path + ": no such file (`mxprobe scan --db " +
                              path + "` creates one)");
        }
        return 0;
    }
    if (!fs::is_regular_file(status)) {
        refuse(path, "not a regular file");
    }
    if (fs::file_size(path, ec) == 0 && !ec) {
        if (mode == store_open::existing) {
            throw store_error("history store " + path + ": empty file, no history in it");
        }
        return 0; // SQLite makes a new database in an empty file
    }
    std::array<char, 16> head{};
    std::ifstream in(path, std::ios::binary);
    in.read(head.data(), head.size());
    if (!in && !in.eof()) {
        throw store_error("history store " + path + ": cannot read: " + std::strerror(errno));
    }
    // The header string "SQLite format 3" and its NUL: the first 16 bytes of every database.
    if (in.gcount() != 16 || std::memcmp(head.data(), "SQLite format 3", 16) != 0) {
        refuse(path, "not an SQLite database (the file does not start with the SQLite header)");
    }
    const connection db = open_connection(path, SQLITE_OPEN_READONLY);
    const auto tables =
        sqlite_statement(db.get(), path, "SELECT count(*) FROM sqlite_schema").single_int();
    const std::int64_t version = user_version(db.get(), path);
    if (tables.value_or(0) == 0) {
        if (version != 0) {
            refuse(path, "an SQLite database of another program (schema version " +
                             std::to_string(version) + " but no tables)");
        }
        if (mode == store_open::existing) {
            throw store_error("history store " + path + ": an empty database, no history in it");
        }
        return 0;
    }
    const auto meta = sqlite_statement(db.get(), path,
                                       "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                       "AND name = 'meta'")
                          .single_int();
    if (meta.value_or(0) == 0) {
        refuse(path, "an SQLite database of another program (it has no mxprobe meta table)");
    }
    sqlite_statement app(db.get(), path, "SELECT value FROM meta WHERE name = 'application'");
    const std::string application = app.step() ? app.text(0) : std::string();
    if (application != store_application) {
        refuse(path, "an SQLite database of another program (meta names the application '" +
                         application + "', not mxprobe)");
    }
    if (version > history_store::schema_version()) {
        refuse(path, "written by a newer mxprobe (schema version " + std::to_string(version) +
                         "; this mxprobe knows up to " +
                         std::to_string(history_store::schema_version()) + ")");
    }
    if (version < 1) {
        refuse(path, "damaged: mxprobe's meta table without a schema version");
    }
    return version;
}

} // namespace

int history_store::schema_version() {
    return store_migrations().back().version;
}

history_store::history_store(const std::string& path) : history_store(path, store_open::create) {}

history_store::history_store(const std::string& path, store_open mode) : path_(path) {
    inspect(path_, mode);
    connection db = open_connection(
        path_, SQLITE_OPEN_READWRITE | (mode == store_open::create ? SQLITE_OPEN_CREATE : 0));
    db_ = db.get();
    {
        sqlite_statement wal(db_, path_, "PRAGMA journal_mode = WAL");
        const std::string journal = wal.step() ? wal.text(0) : std::string();
        if (journal != "wal") {
            throw store_error("history store " + path_ + ": cannot use WAL mode (journal mode '" +
                              journal + "'; a network file system?)");
        }
    }
    // NORMAL in WAL mode: a commit is durable once write() returns, which is what a killed
    // process needs; an fsync per domain result would stall the scan's event loop.
    sqlite_exec(db_, path_, "PRAGMA synchronous = NORMAL", "setting synchronous mode");
    sqlite_exec(db_, path_, "PRAGMA foreign_keys = ON", "enabling foreign keys");
    migrate();
    db_ = db.release(); // owned by this object from here on
}

history_store::~history_store() {
    sqlite3_close_v2(db_);
}

void history_store::migrate() {
    if (user_version(db_, path_) == schema_version()) {
        return; // the usual case: no write lock taken just to open the store
    }
    sqlite_transaction transaction(db_, path_);
    // Read again under the write lock: another process may have migrated meanwhile.
    const std::int64_t current = user_version(db_, path_);
    if (current > schema_version()) {
        refuse(path_,
               "written by a newer mxprobe (schema version " + std::to_string(current) + ")");
    }
    for (const auto& m : store_migrations()) {
        if (m.version > current) {
            sqlite_exec(db_, path_, m.sql,
                        ("migrating to schema version " + std::to_string(m.version)).c_str());
        }
    }
    if (current == 0) {
        sqlite_statement meta(db_, path_, "INSERT INTO meta (name, value) VALUES (?1, ?2)");
        meta.bind_text(1, "application").bind_text(2, store_application).run();
        sqlite_statement created(db_, path_, "INSERT INTO meta (name, value) VALUES (?1, ?2)");
        created.bind_text(1, "created_by").bind_text(2, "mxprobe " MXPROBE_VERSION).run();
    }
    // PRAGMA takes no parameters; the number is ours.
    const std::string set_version = "PRAGMA user_version = " + std::to_string(schema_version());
    sqlite_exec(db_, path_, set_version.c_str(), "setting the schema version");
    transaction.commit();
}

} // namespace mxprobe
