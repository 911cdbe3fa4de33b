#pragma once
// Presentation of `mxprobe tlsrpt`: the JSON contract (schema mxprobe/tlsrpt/1, see
// docs/schema/tlsrpt.schema.json), the compact summary tables, and the exit status.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/tlsrpt_ingest.hpp"

#include <string>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* tlsrpt_schema_id = "mxprobe/tlsrpt/1";

nlohmann::json tlsrpt_to_json(const tlsrpt_ingest& ingest);
std::string tlsrpt_to_text(const tlsrpt_ingest& ingest);

/// 0 every file read and no failed session; 1 failed sessions reported, or some files could
/// not be read; 3 no report could be read at all.
exit_status tlsrpt_exit_status(const tlsrpt_ingest& ingest);

} // namespace mxprobe
