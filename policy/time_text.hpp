#pragma once
// Times as text in the JSON contracts: RFC 3339 UTC with a "Z" ("2026-12-03T19:42:01Z").
// Formatting a given instant reads no clock, so it is allowed in policy/.

#include <cstdint>
#include <string>

namespace policy {

/// "2026-12-03T19:42:01Z" from seconds since the Unix epoch.
std::string iso8601_utc(std::int64_t epoch_seconds);

} // namespace policy
