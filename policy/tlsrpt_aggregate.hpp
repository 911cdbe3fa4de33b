#pragma once
// Sums over many received TLS-RPT reports: who reports failures to which of our MX hosts,
// of which kind, on which day. A report mailed twice (or both mailed and POSTed) counts once.

#include "policy/tlsrpt_report.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json_fwd.hpp>

namespace policy {

/// Key used when a report leaves a grouping field out (e.g. no receiving-ip).
inline constexpr const char* tlsrpt_not_reported = "(not reported)";

struct tlsrpt_counts {
    std::uint64_t success = 0;
    std::uint64_t failure = 0;
    /// failure / (success + failure); 0 when there were no sessions.
    double failure_rate() const;
};

using tlsrpt_type_counts = std::map<std::string, std::uint64_t>; ///< result type -> sessions

/// Failed sessions of one group, split by result type. Successes are only known per policy
/// (the summary), not per MX host or IP, so groups below a policy count failures only.
struct tlsrpt_failure_counts {
    std::uint64_t failure = 0;
    tlsrpt_type_counts failure_types;
};

struct tlsrpt_policy_counts {
    tlsrpt_counts sessions;
    tlsrpt_type_counts failure_types;
    std::map<std::string, tlsrpt_failure_counts> receiving_mx; ///< by receiving-mx-hostname
};

/// (policy-domain, policy-type)
using tlsrpt_policy_key = std::pair<std::string, std::string>;

struct tlsrpt_aggregate {
    std::uint64_t reports = 0;           ///< distinct reports added
    std::uint64_t duplicates = 0;        ///< reports seen again and not counted
    std::uint64_t totals_mismatches = 0; ///< policies whose details disagree with the summary
    tlsrpt_counts totals;                ///< from the summaries
    tlsrpt_type_counts failure_types;    ///< from failure-details
    std::map<tlsrpt_policy_key, tlsrpt_policy_counts> policies;
    std::map<std::string, tlsrpt_counts> policy_types;  ///< by policy-type
    std::map<std::string, tlsrpt_counts> organizations; ///< by organization-name
    std::map<std::string, tlsrpt_counts> days;          ///< by UTC day of start, "YYYY-MM-DD"
    std::map<std::string, tlsrpt_failure_counts> receiving_mx;   ///< by receiving-mx-hostname
    std::map<std::string, tlsrpt_failure_counts> receiving_ip;   ///< by receiving-ip
    std::map<std::string, tlsrpt_failure_counts> sending_mta_ip; ///< by sending-mta-ip
    std::map<std::string, tlsrpt_failure_counts> failure_reason_codes;
    /// (organization-name, report-id) of every report added; RFC 8460 §5.3 makes the pair
    /// unique per reporter.
    std::set<std::pair<std::string, std::string>> seen;
};

/// Adds one report; returns false (and counts a duplicate) when it was added before.
bool add_report(tlsrpt_aggregate& aggregate, const tlsrpt_report& report);

/// "YYYY-MM-DD" of a Unix time, in UTC.
std::string utc_day(std::int64_t unix_seconds);

void to_json(nlohmann::json& j, const tlsrpt_counts& c);
void to_json(nlohmann::json& j, const tlsrpt_failure_counts& c);

} // namespace policy
