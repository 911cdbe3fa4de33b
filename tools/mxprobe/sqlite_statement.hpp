#pragma once
// The few RAII pieces the history store needs over the SQLite C API: a prepared statement
// that finalizes itself, a transaction that rolls back unless committed, and one way to turn
// an SQLite failure into a store_error naming the database file, what was being done and
// sqlite3_errmsg. Nothing outside history_store*.cpp includes <sqlite3.h>.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace mxprobe {

/// Throws store_error: "history store FILE: WHAT: <sqlite3_errmsg>", worded as damage when
/// SQLite says the file is not a database or is corrupt.
[[noreturn]] void throw_sqlite(sqlite3* db, const std::string& file, const std::string& what);

/// Runs SQL without results (several statements allowed).
void sqlite_exec(sqlite3* db, const std::string& file, const char* sql, const char* what);

class sqlite_statement {
  public:
    sqlite_statement(sqlite3* db, const std::string& file, std::string_view sql);
    ~sqlite_statement();
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;

    /// Parameters count from 1, as in SQL (?1, ?2, ...).
    sqlite_statement& bind_int(int index, std::int64_t value);
    sqlite_statement& bind_text(int index, std::string_view value);

    /// Advances to the next row: true while there is one, false when done.
    bool step();
    /// Runs a statement that returns no row.
    void run();
    /// The first column of the single row, if there is one.
    std::optional<std::int64_t> single_int();

    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] std::string text(int column) const;

  private:
    sqlite3* db_;
    const std::string& file_;
    std::string sql_;
    sqlite3_stmt* statement_ = nullptr;
};

/// BEGIN IMMEDIATE (the write lock at once, so two writers wait for each other under the
/// busy timeout instead of failing half-way); ROLLBACK in the destructor unless committed.
class sqlite_transaction {
  public:
    sqlite_transaction(sqlite3* db, const std::string& file);
    ~sqlite_transaction();
    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;
    void commit();

  private:
    sqlite3* db_;
    const std::string& file_;
    bool open_ = true;
};

} // namespace mxprobe
