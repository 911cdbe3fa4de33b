#pragma once
// Everything one (MX host, IP) probe of a scan found, as plain data: the STARTTLS session,
// the enumeration when asked for, and how the probe was scheduled (attempts, rate limiting,
// time spent waiting for a slot).

#include "probe/enumeration_result.hpp"
#include "probe/session_result.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace probe {

struct host_probe_result {
    session_result session; ///< the last attempt's session
    std::optional<enumeration_result> enumeration;
    int attempts = 0; ///< SMTP sessions made for the main probe (retries included)
    /// The server answered 421 or dropped the connection at the greeting on every attempt:
    /// rate-limited or temporarily unavailable. Never a TLS verdict.
    bool rate_limited = false;
    /// What each earlier attempt ended with, e.g. "421 4.7.0 try again later" (retries only).
    std::vector<std::string> retried_after;
    std::chrono::milliseconds queued{0}; ///< waiting for a slot (politeness, concurrency)
    bool slow = false; ///< took long enough to give back its active slot (tarpit-like)
};

} // namespace probe
