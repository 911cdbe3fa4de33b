#pragma once
// A host probe with its verdict: what `mxprobe host` prints, and its exit status.

#include "policy/dane.hpp"
#include "policy/host_verdict.hpp"
#include "probe/enumeration_result.hpp"
#include "probe/session_result.hpp"
#include "tools/mxprobe/exit_status.hpp"

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* host_schema_id = "mxprobe/host/1";

struct host_report {
    probe::session_result probe;
    std::optional<probe::enumeration_result> enumeration;
    policy::host_verdict verdict;
    policy::dane_verdict dane; ///< status not_looked_up unless the TLSA lookup was made
};

nlohmann::json host_to_json(const host_report& report);
std::string host_to_text(const host_report& report, bool colour);
exit_status host_exit_status(const host_report& report);

/// "2026-12-03T19:42:01Z" from seconds since the epoch.
std::string iso8601(std::int64_t epoch_seconds);

} // namespace mxprobe
