#pragma once
// Presentation of `mxprobe resolve`: the JSON contract (schema mxprobe/resolve/1, see
// docs/schema/resolve.schema.json), the human summary, and the exit status.

#include "resolver/mail_lookup.hpp"
#include "tools/mxprobe/exit_status.hpp"

#include <string>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* resolve_schema_id = "mxprobe/resolve/1";

nlohmann::json resolve_to_json(const resolver::mail_lookup& lookup);
std::string resolve_to_text(const resolver::mail_lookup& lookup);

/// 0 when the MX answer was obtained (null MX and implicit MX included), 2 when the domain
/// does not exist or no MX host has an address, 3 when DNS could not answer.
exit_status resolve_exit_status(const resolver::mail_lookup& lookup);

} // namespace mxprobe
