#pragma once
// The history store's schema as an ordered list of migrations: entry N brings a version N-1
// store to version N (PRAGMA user_version), all pending ones in one transaction. Version 2
// is one more entry at the end; an entry never changes once released.

#include <span>

namespace mxprobe {

struct store_migration {
    int version;
    const char* sql;
};

/// Oldest first; the last entry's version is the schema this build writes.
std::span<const store_migration> store_migrations();

/// The `meta` table's `application` value that marks a database as mxprobe's.
inline constexpr const char* store_application = "mxprobe";

} // namespace mxprobe
