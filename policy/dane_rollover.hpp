#pragma once
// DANE rollover safety (RFC 7672, RFC 7671 §8.1): before a new chain goes live on an MX with
// DNSSEC-secure TLSA records, at least one usable record must already match it, or every DANE
// sender stops delivering the moment it is deployed. When none does, the fix is to publish
// the `3 1 1` record of the new key next to the current ones and wait out the RRset's TTL.
// Matching itself is policy/dane.hpp's, on a session that presents the candidate chain.

#include "policy/candidate_check.hpp"
#include "policy/dane.hpp"
#include "probe/cert_info.hpp"
#include "probe/session_result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace policy {

struct dane_rollover_input {
    std::string host; ///< the MX host; the TLSA base domain
    tlsa_lookup lookup;
    std::uint32_t ttl = 0; ///< TTL of the TLSA answer: how long caches may keep it
    std::optional<bool> addresses_secure;
    std::vector<probe::cert_info> candidate; ///< the issuing path, leaf first
    bool candidate_name_ok = false;          ///< RFC 9525 verdict for `host` (DANE-TA needs it)
    /// What the MX presents now, when a live probe reached it: tells the records that match
    /// only the current certificate from those that match both.
    std::optional<probe::session_result> live;
};

/// A session presenting `chain` to `host`, as if the candidate were deployed.
probe::session_result candidate_session(const std::string& host,
                                        const std::vector<probe::cert_info>& chain, bool name_ok);

/// "dane" for one MX.
check check_dane_rollover(const dane_rollover_input& input,
                          std::chrono::system_clock::time_point now);

} // namespace policy
