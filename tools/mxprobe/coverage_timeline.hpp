#pragma once
// `mxprobe coverage`: encryption coverage per UTC day from the history store. Each day
// counts every target as its latest stored result up to the end of that day shows it
// (policy::classify_encryption), partners overall and per tag, our own domains apart; and
// the sessions of the TLS-RPT reports whose date range starts that day, validated (sts or
// tlsa policy), opportunistic or failed. Results are read one at a time, oldest first, so
// memory grows with the number of domains, not with the length of the history.

#include "policy/coverage.hpp"
#include "tools/mxprobe/history_store.hpp"
#include "tools/mxprobe/targets_file.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mxprobe {

inline constexpr const char* coverage_schema_id = "mxprobe/coverage/1";

struct coverage_day {
    std::int64_t day = 0; ///< 00:00:00 UTC
    policy::coverage_counts partners;
    std::map<std::string, policy::coverage_counts> by_tag;
    policy::coverage_counts own;
    policy::reported_sessions sessions;
    std::size_t results = 0; ///< results stored that day
    std::size_t reports = 0; ///< reports starting that day
};

struct coverage_timeline {
    std::int64_t first_day = 0;
    std::int64_t last_day = 0;
    std::int64_t generated = 0;
    std::vector<std::string> tags;   ///< the --tag filter; empty: every partner
    bool from_targets = false;       ///< roles and tags from a targets file
    std::vector<coverage_day> days;  ///< first_day to last_day, one per day
    std::size_t results = 0;         ///< stored results read (the period and before it)
    std::vector<std::string> errors; ///< stored documents or reports that could not be read
};

/// With `targets`, only its targets count, with the roles and tags it gives them; without,
/// every stored domain, with the role and tags stored with its result.
coverage_timeline build_coverage_timeline(const history_store& store, const targets_file* targets,
                                          const std::vector<std::string>& tags, std::int64_t since,
                                          std::int64_t now);

nlohmann::json coverage_to_json(const coverage_timeline& t);
std::string coverage_to_table(const coverage_timeline& t);
/// day,scope,total,validated,opportunistic,failing,unknown,validated_share,... with one
/// row per day for partners, each tag, own domains and reported sessions.
std::string coverage_to_csv(const coverage_timeline& t);

} // namespace mxprobe
