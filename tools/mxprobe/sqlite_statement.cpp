#include "tools/mxprobe/sqlite_statement.hpp"

#include "tools/mxprobe/history_store.hpp"

#include <sqlite3.h>

#include <climits>

namespace mxprobe {

void throw_sqlite(sqlite3* db, const std::string& file, const std::string& what) {
    const int code = db == nullptr ? SQLITE_NOMEM : sqlite3_errcode(db);
    const std::string message = db == nullptr ? "out of memory" : sqlite3_errmsg(db);
    const int primary = code & 0xff;
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) {
        throw store_error("history store " + file + ": damaged or not an SQLite database (" +
                          message + ", while " + what + "); not used, left as it is");
    }
    throw store_error("history store " + file + ": " + what + ": " + message);
}

void sqlite_exec(sqlite3* db, const std::string& file, const char* sql, const char* what) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        sqlite3_free(error); // the same text as sqlite3_errmsg, which throw_sqlite reads
        throw_sqlite(db, file, what);
    }
}

sqlite_statement::sqlite_statement(sqlite3* db, const std::string& file, std::string_view sql)
    : db_(db), file_(file), sql_(sql) {
    if (sql.size() > INT_MAX || sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()),
                                                   &statement_, nullptr) != SQLITE_OK) {
        throw_sqlite(db_, file_, "preparing '" + sql_ + "'");
    }
}

sqlite_statement::~sqlite_statement() {
    sqlite3_finalize(statement_);
}

sqlite_statement& sqlite_statement::bind_int(int index, std::int64_t value) {
    if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) {
        throw_sqlite(db_, file_, "binding parameter " + std::to_string(index));
    }
    return *this;
}

sqlite_statement& sqlite_statement::bind_text(int index, std::string_view value) {
    // SQLITE_TRANSIENT: SQLite copies the text, so the caller's string may go away.
    if (value.size() > INT_MAX ||
        sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT) != SQLITE_OK) {
        throw_sqlite(db_, file_, "binding parameter " + std::to_string(index));
    }
    return *this;
}

bool sqlite_statement::step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    throw_sqlite(db_, file_, "running '" + sql_ + "'");
}

void sqlite_statement::run() {
    while (step()) {
    }
}

std::optional<std::int64_t> sqlite_statement::single_int() {
    if (!step()) {
        return std::nullopt;
    }
    return integer(0);
}

std::int64_t sqlite_statement::integer(int column) const {
    return sqlite3_column_int64(statement_, column);
}

std::string sqlite_statement::text(int column) const {
    const auto* p = sqlite3_column_text(statement_, column);
    const int n = sqlite3_column_bytes(statement_, column);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), n);
}

sqlite_transaction::sqlite_transaction(sqlite3* db, const std::string& file)
    : db_(db), file_(file) {
    sqlite_exec(db_, file_, "BEGIN IMMEDIATE", "starting a transaction");
}

sqlite_transaction::~sqlite_transaction() {
    if (open_) {
        // Nothing to report from a destructor: the transaction was not committed, and a
        // failed rollback leaves SQLite to roll back on the next open.
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void sqlite_transaction::commit() {
    sqlite_exec(db_, file_, "COMMIT", "committing");
    open_ = false;
}

} // namespace mxprobe
