#pragma once
// A received TLS-RPT report (RFC 8460 §4, STANDARDS §6.2) as plain data. Bytes in, report
// out: plain JSON, gzip, or a whole multipart/report email are recognised by their content
// (RPT-32), never by a file name. No file I/O here; the caller adds the file name to errors.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

/// Members we do not know, kept for audit as (name, JSON text) pairs (RPT-20).
using tlsrpt_extra_members = std::vector<std::pair<std::string, std::string>>;

struct tlsrpt_failure_detail {
    std::string result_type; ///< kept as sent, also when not in the registry (RPT-21)
    std::optional<std::string> sending_mta_ip;
    std::optional<std::string> receiving_mx_hostname;
    std::optional<std::string> receiving_mx_helo;
    std::optional<std::string> receiving_ip;
    std::optional<std::string> additional_information;
    std::optional<std::string> failure_reason_code;
    std::uint64_t failed_session_count = 0;
    tlsrpt_extra_members extra;
};

struct tlsrpt_policy {
    std::string policy_type;                ///< "sts", "tlsa", "no-policy-found" or unknown
    std::vector<std::string> policy_string; ///< one line (STS) or one RR (TLSA) per entry
    std::string policy_domain;              ///< empty when the reporter left it out
    std::vector<std::string> mx_host;       ///< a single string is read as a list of one
    std::uint64_t total_successful_session_count = 0;
    std::uint64_t total_failure_session_count = 0;
    std::vector<tlsrpt_failure_detail> failure_details;
    /// The failed-session-counts of failure-details do not add up to the summary's failure
    /// total. Allowed one way by RPT-12 (one session, several types), so flagged, not fatal.
    bool totals_mismatch = false;
    tlsrpt_extra_members extra;
};

struct tlsrpt_report {
    std::string organization_name;
    std::string contact_info;
    std::string report_id;
    std::int64_t start = 0; ///< date-range start, Unix seconds (UTC)
    std::int64_t end = 0;   ///< date-range end, Unix seconds (UTC)
    std::vector<tlsrpt_policy> policies;
    std::vector<std::string> notes; ///< quirks tolerated, each naming its JSON path
    std::string container;          ///< how it arrived: "json", "gzip", "email", "email+gzip"
    tlsrpt_extra_members extra;
};

struct tlsrpt_limits {
    std::size_t max_decompressed = std::size_t{16} * 1024 * 1024; ///< gunzipped bytes (RPT-32)
    int max_depth = 32;                                           ///< JSON nesting (RPT-21)
    /// Bytes handed in, before any unwrapping: real reports are kilobytes, so 16 MiB of JSON
    /// or email is a hostile document, refused before it is parsed.
    std::size_t max_input = std::size_t{16} * 1024 * 1024;
};

struct tlsrpt_parse_result {
    std::optional<tlsrpt_report> report;
    std::string error; ///< set when report is empty, e.g. "policies[1].summary...: -3 is negative"
    /// The report's JSON text as received, unwrapped from gzip or email (parse_tlsrpt_report
    /// sets it with a report), for keeping the report as it was sent (the history store).
    std::string json_text;
};

/// Reads a report from raw bytes: JSON, gzip (magic 1f 8b), or an email carrying an
/// application/tlsrpt+gzip, +json or bare application/tlsrpt part.
tlsrpt_parse_result parse_tlsrpt_report(std::string_view bytes, const tlsrpt_limits& limits = {});

/// Reads a report from its JSON text only.
tlsrpt_parse_result parse_tlsrpt_json(std::string_view json, const tlsrpt_limits& limits = {});

/// Parses an RFC 3339 date-time into Unix seconds. A missing zone is read as UTC (seen from
/// Microsoft); `zone_missing` says so. Fractions of a second are dropped.
std::optional<std::int64_t> parse_rfc3339(std::string_view text, bool* zone_missing = nullptr);

/// True for the result types of the IANA registry (STANDARDS §6.3).
bool is_known_result_type(std::string_view type);

/// True for "sts", "tlsa" and "no-policy-found".
bool is_known_policy_type(std::string_view type);

void to_json(nlohmann::json& j, const tlsrpt_failure_detail& d);
void to_json(nlohmann::json& j, const tlsrpt_policy& p);
void to_json(nlohmann::json& j, const tlsrpt_report& r);

} // namespace policy
