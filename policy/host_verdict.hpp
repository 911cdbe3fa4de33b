#pragma once
// Judging one host probe: the RFC 8460 result types a validating sender (MTA-STS-style
// WebPKI validation against the MX name) would report, certificate time verdicts for a given
// `now`, and findings with severities. Pure: no I/O, no clock.

#include "policy/finding.hpp"
#include "probe/enumeration_result.hpp"
#include "probe/session_result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace policy {

struct host_thresholds {
    int expiry_warning_days = 30;
    int min_rsa_bits = 2048;
    int min_ec_bits = 224;
    int min_dh_bits = 2048; ///< finite-field DHE groups (Logjam; RFC 7919 starts at 2048)
};

struct certificate_times {
    bool expired = false;       ///< `now` is past the leaf's notAfter
    bool not_yet_valid = false; ///< `now` is before the leaf's notBefore
    std::int64_t days_left = 0; ///< whole days until notAfter (negative once expired)
};

struct host_verdict {
    /// RFC 8460 §4.3 result types; empty when a validating sender would succeed.
    std::vector<std::string> result_types;
    /// What a compliant sender would report for this host: `result_types` (WebPKI against
    /// the MX name) unless DANE decides, then DANE's (policy::apply_dane, DANE-21).
    std::vector<std::string> effective_result_types;
    std::string effective_policy = "webpki"; ///< "webpki" or "dane"
    std::optional<certificate_times> times;  ///< when a leaf certificate was seen
    bool weak_key = false;
    bool sha1_signature = false;
    std::vector<finding> findings;
    severity overall = severity::ok;
};

certificate_times leaf_times(const probe::cert_info& leaf,
                             std::chrono::system_clock::time_point now);

/// Adds what an enumeration shows beyond the negotiated session: legacy protocol versions
/// the server still accepts, no TLS 1.2 or later at all, 3DES (SWEET32) and RC4 (RFC 7465)
/// suites accepted, and DHE with a group below `min_dh_bits`. Updates `overall`.
void judge_enumeration(const probe::enumeration_result& enumeration, host_verdict& verdict,
                       const host_thresholds& thresholds = {});

host_verdict evaluate_host(const probe::session_result& probe,
                           std::chrono::system_clock::time_point now,
                           const host_thresholds& thresholds = {});

} // namespace policy
