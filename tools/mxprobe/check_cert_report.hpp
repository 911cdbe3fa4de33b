#pragma once
// What `mxprobe check-cert` prints: the chain as found, the names it was checked for, and the
// checklist, as text (one line per check, coloured on a terminal) or as the
// `mxprobe/check-cert/1` JSON document (docs/schema/check-cert.schema.json).

#include "policy/candidate_check.hpp"
#include "probe/candidate_chain.hpp"
#include "probe/chain_file.hpp"
#include "tools/mxprobe/exit_status.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* check_cert_schema_id = "mxprobe/check-cert/1";

struct check_cert_report {
    probe::chain_file chain;
    probe::chain_order order;
    std::string key_file; ///< empty without --key
    bool policy_host = false;
    std::vector<std::string> domains;
    std::vector<std::string> names; ///< every host name the leaf was checked for
    std::vector<policy::check> checks;
};

nlohmann::json check_cert_to_json(const check_cert_report& report);
std::string check_cert_to_text(const check_cert_report& report, bool colour);
/// 0 every check ok, 1 warnings only, 2 any failure, 3 a check that could not be made (and
/// none failed).
exit_status check_cert_exit_status(const check_cert_report& report);

} // namespace mxprobe
