#pragma once
// What is worth telling a mail team about one domain after a scan, as conditions: each has a
// stable key, and an alert is raised when its key first appears and resolved when it is gone
// (tools/mxprobe/alert_manager), so nothing repeats every scan. Two kinds:
//  - states, true for as long as they last: a certificate expiring soon, a chain missing its
//    intermediate, no STARTTLS, DANE not matching, a TLS-RPT failure rate over the threshold;
//  - changes between the previous scan and this one: a new certificate or key, a TLS version
//    or cipher lost, a weak one gained, the MTA-STS mode, id or policy changed (and the id
//    changed without the policy, or the policy without the id), a new RFC 8460 result type.
//    A change is active in the scan that saw it, so it is raised then and resolved by the
//    next scan.
// Pure: the facts and `now` come in.

#include "policy/inbound_summary.hpp"
#include "policy/matrix_facts.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

struct alert_thresholds {
    int cert_expiry_warning_days = 21;
    int cert_expiry_critical_days = 7;
    double failure_rate = 0.05;
    std::uint64_t min_sessions = 10;
};

struct alert_condition {
    std::string key;  ///< stable identity: kind, domain, subject and what makes it distinct
    std::string kind; ///< e.g. "cert-expiry", "cert-changed", "tlsrpt-failure-rate"
    std::string severity = "warning"; ///< "critical", "warning" or "info"
    std::string domain;
    std::string subject; ///< the MX host (and address), or the policy host
    std::string message; ///< one line a mail administrator can act on
};

/// The conditions of `current`, compared with `previous` (the domain's last scan, if any).
std::vector<alert_condition> domain_conditions(const domain_facts_summary& current,
                                               const std::optional<domain_facts_summary>& previous,
                                               const alert_thresholds& thresholds,
                                               std::chrono::system_clock::time_point now);

/// Receiving MX hosts of our own domain whose reported failure rate is over the threshold
/// (with at least min_sessions sessions reported for the domain in the window).
std::vector<alert_condition> tlsrpt_conditions(const inbound_summary& inbound,
                                               const alert_thresholds& thresholds);

void to_json(nlohmann::json& j, const alert_condition& c);

} // namespace policy
