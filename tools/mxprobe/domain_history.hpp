#pragma once
// `mxprobe history DOMAIN`: what changed when. Every stored result of the domain in the
// period, each compared with the one before it (the last one before the period for the
// first), and the alerts raised or resolved meanwhile; as text, or as the mxprobe/history/1
// document (docs/schema/history.schema.json).

#include "policy/facts_diff.hpp"
#include "tools/mxprobe/history_store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mxprobe {

inline constexpr const char* history_schema_id = "mxprobe/history/1";

struct history_entry {
    std::int64_t scan_id = 0;
    std::int64_t at = 0;
    std::string verdict;
    std::vector<std::string> result_types;
    /// The result compared with (scan id, time); none for the first result ever stored.
    std::optional<std::pair<std::int64_t, std::int64_t>> compared_with;
    std::vector<policy::fact_change> changes;
    std::string error; ///< the stored document could not be read: nothing compared
};

struct domain_history {
    std::string domain;
    std::int64_t since = 0;
    std::int64_t generated = 0;
    std::vector<history_entry> entries;
    std::vector<stored_alert> alerts;
};

/// Reads the domain's history from the store. Throws store_error.
domain_history load_history(const history_store& store, const std::string& domain,
                            std::int64_t since, std::int64_t now);

nlohmann::json history_to_json(const domain_history& history);
std::string history_to_text(const domain_history& history, bool colour);

} // namespace mxprobe
