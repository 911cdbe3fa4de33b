#pragma once
// Which history store a command uses, and the period it looks at. Commands that write
// (scan, tlsrpt) or read in passing (matrix) use a store only when asked: `--db FILE`, or a
// targets file with a `db` key; none is ever created silently. Commands about history
// (history, coverage) read `--db FILE`, else the targets file's store (`db`, or mxprobe.db
// beside it), and refuse to run when it does not exist.

#include "tools/mxprobe/targets_file.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace mxprobe {

/// The targets file's `db`, else mxprobe.db in the targets file's folder.
std::string default_store_path(const targets_file& file);

/// The store a command was asked to use: --db, else the targets file's `db`; nothing
/// otherwise.
std::optional<std::string> requested_store(const std::string& db_option, const targets_file* file);

/// The store a history command reads: --db; else the store of `targets` (given, or
/// ./targets.yaml when it exists); else ./mxprobe.db. Throws config_error for a bad
/// targets file.
std::string store_to_read(const std::string& db_option, const std::string& targets);

/// The start of a period: "30d", "12h", ... before `now` (targets.yaml durations), or a UTC
/// date "2026-11-01", or an RFC 3339 time. Throws std::invalid_argument naming the text.
std::int64_t parse_since(const std::string& text, std::int64_t now);

/// Seconds since the Unix epoch, now.
std::int64_t unix_now();

/// 00:00:00 UTC of the day `t` falls in.
std::int64_t utc_day_start(std::int64_t t);

/// "2026-12-03" for a time on that UTC day.
std::string utc_date(std::int64_t t);

} // namespace mxprobe
