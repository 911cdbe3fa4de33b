#pragma once
// Presentation of `mxprobe mta-sts`: the JSON contract (schema mxprobe/mta-sts/1, see
// docs/schema/mta-sts.schema.json), the short human summary, and the exit status.

#include "policy/sts_coverage.hpp"
#include "policy/sts_outcome.hpp"
#include "policy/sts_verdict.hpp"
#include "tools/mxprobe/exit_status.hpp"

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* mta_sts_schema_id = "mxprobe/mta-sts/1";

struct mta_sts_report {
    policy::sts_outcome outcome;
    policy::sts_coverage coverage;
    policy::sts_verdict verdict;
    std::uint16_t policy_port = 443;
};

/// https://mta-sts.<domain>/.well-known/mta-sts.txt, with the port when it is not 443.
std::string policy_url(const mta_sts_report& report);

nlohmann::json mta_sts_to_json(const mta_sts_report& report);
std::string mta_sts_to_text(const mta_sts_report& report, bool colour);

/// 0 no MTA-STS, or a valid policy covering every MX; 1 warnings; 2 a failure a sender
/// reports or an enforce policy missing an MX; 3 DNS could not answer.
exit_status mta_sts_exit_status(const mta_sts_report& report);

} // namespace mxprobe
