#pragma once
// Applying a parsed MTA-STS policy to the MX hosts a probe reached (RFC 8461 §4, §5;
// STANDARDS STS-32..STS-37 and §7): does each MX match an `mx` pattern, offer STARTTLS and
// present a WebPKI-valid certificate for its name, what RFC 8460 result type a sender would
// report, and does it still deliver. Pure: the observations are plain data.

#include "policy/mta_sts_policy.hpp"
#include "probe/session_result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

/// RFC 8461 §4.1 (STS-34): case-insensitive, one trailing dot ignored on either side, and a
/// leading `*.` stands for exactly one whole left-most label. Names with empty labels (or a
/// `*` in the host) never match.
bool mx_pattern_matches(std::string_view pattern, std::string_view host);

/// The first pattern of `patterns` that matches `host`.
std::optional<std::string> matching_mx_pattern(const std::vector<std::string>& patterns,
                                               std::string_view host);

/// What the probe saw at one MX address, reduced to what MTA-STS validation needs.
struct sts_mx_observation {
    std::string host; ///< the MX host name from the MX record (STS-33)
    std::string ip;   ///< informational, to join with TLS-RPT failure details
    /// The probe got far enough to see whether STARTTLS works. False for connection
    /// failures and timeouts before STARTTLS: transient, not a TLS result (RFC 8460 §4.3.4).
    bool reached = true;
    bool starttls_offered = false;
    bool starttls_ok = false;  ///< STARTTLS answered 220
    bool handshake_ok = false; ///< the TLS handshake completed, with no plaintext injected
    /// The chain reaches a root of the WebPKI trust store; expiry is judged separately.
    bool certificate_trusted = false;
    bool certificate_expired = false;
    bool hostname_match = false; ///< a SAN dNSName matches `host` (RFC 9525)
    std::string detail;          ///< the probe's reason for a failure, e.g. an OpenSSL error
};

/// Reads a probe session: certificate facts are the verdicts recorded at probe time, which
/// is when a sender would have judged them too.
sts_mx_observation observe_for_sts(const probe::session_result& session);

struct sts_mx_result {
    std::string host;
    std::string ip;
    std::string matched_pattern; ///< empty when no pattern matches
    bool checked = true;         ///< false when the probe could not reach STARTTLS
    bool compliant = false;      ///< validation under the policy passed (or nothing to check)
    /// The RFC 8460 result type a sender would report for this MX; empty when compliant,
    /// not checked, or the mode is none (failures there are not reportable, STS-37).
    std::string result_type;
    /// Further failures behind `result_type`, e.g. a certificate both expired and for
    /// another name. A sender reports one result per session, so these are informational.
    std::vector<std::string> other_result_types;
    std::string reason; ///< failure-reason-code, e.g. "mx-not-in-policy"
    /// A sender following the policy delivers over this MX: always in testing and none
    /// mode once reached, only when compliant in enforce mode (STS-35..37).
    bool delivers = false;
};

struct sts_evaluation {
    bool applied = false; ///< a valid policy in enforce or testing mode
    std::optional<sts_mode> mode;
    std::vector<sts_mx_result> mx;
    std::size_t compliant = 0;
    std::size_t failing = 0; ///< checked and not compliant
    std::size_t not_checked = 0;
    /// At least one MX takes mail from a sender that honours the policy.
    bool deliverable = false;
    /// Patterns no observed MX matched: stale entries or MX records missing from DNS.
    std::vector<std::string> unused_patterns;
    std::string summary; ///< one line for a mail administrator
};

/// Evaluates every observation against the policy. An invalid policy is not applied: a
/// sender treats the domain as having none (it reports sts-policy-invalid separately).
sts_evaluation evaluate_sts(const sts_policy& policy,
                            const std::vector<sts_mx_observation>& observations);

void to_json(nlohmann::json& j, const sts_mx_result& r);
void to_json(nlohmann::json& j, const sts_evaluation& e);

} // namespace policy
