#pragma once
// One scanned domain with its verdict: the `mxprobe/domain/1` JSON document (also one line of
// `mxprobe scan --format jsonl`), the human summary, a table row and CSV rows for `scan`,
// and the exit status. The schema is docs/schema/domain.schema.json.

#include "policy/domain_verdict.hpp"
#include "probe/domain_facts.hpp"
#include "tools/mxprobe/exit_status.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* domain_schema_id = "mxprobe/domain/1";

/// Who the domain is to us, from targets.yaml (or the command line).
struct domain_meta {
    std::string name;
    std::string role = "partner"; ///< "partner" or "own"
    std::vector<std::string> tags;
};

struct domain_report {
    probe::domain_facts facts;
    policy::domain_verdict verdict;
    domain_meta meta;
};

nlohmann::json domain_to_json(const domain_report& report);
std::string domain_to_text(const domain_report& report, bool colour);
exit_status domain_exit_status(const domain_report& report);

/// The CSV header and one row per (MX host, IP) (a single row when nothing was probed).
std::string domain_csv_header();
std::string domain_to_csv(const domain_report& report);

/// A short line per domain for the scan table; the header comes first.
std::string domain_table_header();
std::string domain_table_row(const domain_report& report, bool colour);

} // namespace mxprobe
