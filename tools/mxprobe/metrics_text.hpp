#pragma once
// What `mxprobe watch --metrics` serves on /metrics, in the Prometheus text exposition
// format (version 0.0.4): per (domain, MX, IP) the certificate expiry, probe success,
// STARTTLS, the TLS versions supported and DANE; per domain the MTA-STS mode and verdict;
// the TLS-RPT sessions and failures received, by receiving MX and result type; and the
// scans themselves. Names follow Prometheus conventions: `mxprobe_` prefix, base units
// (seconds), `_total` for counters.

#include "policy/matrix_facts.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mxprobe {

struct group_scan_stats {
    std::uint64_t scans = 0;   ///< completed scans (counter)
    std::uint64_t domains = 0; ///< domains scanned over all of them (counter)
    double last_duration_seconds = 0;
    std::int64_t last_finished = 0; ///< Unix seconds
};

struct tlsrpt_counters {
    /// (policy domain, "success"|"failure") -> sessions, over every report received.
    std::map<std::pair<std::string, std::string>, std::uint64_t> sessions;
    /// (receiving MX host, result type) -> failed sessions.
    std::map<std::pair<std::string, std::string>, std::uint64_t> failures;
    std::uint64_t reports = 0;
};

struct metrics_snapshot {
    std::vector<policy::domain_facts_summary> domains; ///< the latest result of each
    tlsrpt_counters tlsrpt;
    std::map<std::string, group_scan_stats> groups;
    std::map<std::string, std::uint64_t> open_alerts; ///< by severity
};

std::string metrics_text(const metrics_snapshot& snapshot);

/// A label value as the exposition format writes it: backslash, quote and newline escaped.
std::string metric_label_value(const std::string& value);

} // namespace mxprobe
