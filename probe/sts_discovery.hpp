#pragma once
// MTA-STS discovery as a sender performs it (RFC 8461 §3): the `_mta-sts.<domain>` TXT
// lookup, then the HTTPS fetch of https://mta-sts.<domain>/.well-known/mta-sts.txt. Facts
// only: the TXT strings and the raw response; policy/sts_outcome judges them.

#include "probe/https_fetch.hpp"
#include "resolver/lookup.hpp"

#include <optional>
#include <string>

namespace probe {

struct sts_discovery_options {
    std::uint16_t port = 443; ///< RFC 8461 fixes 443; other ports only reach test servers
    std::chrono::milliseconds deadline{10000}; ///< for the whole fetch after DNS
    bool allow_private = false;
};

struct sts_discovery {
    std::string domain;
    resolver::txt_answer txt; ///< `_mta-sts.<domain>`
    /// The policy fetch. Made whenever a TXT record begins with "v=STSv1", even a malformed
    /// one: a monitor wants to know whether the policy itself is sound (STS-40).
    std::optional<https_response> fetch;
};

/// Whether a TXT string claims to be an MTA-STS record (the STS-5 filter, before grammar).
bool looks_like_sts_record(std::string_view txt);

/// Fetches the policy of `domain` when `txt` (its `_mta-sts` answer) holds an STSv1 record;
/// nothing otherwise. For callers that looked the TXT record up already (the domain scan).
boost::asio::awaitable<std::optional<https_response>>
async_fetch_sts_policy(resolver::channel& dns, std::string domain, resolver::txt_answer txt,
                       sts_discovery_options options, boost::asio::ssl::context& tls);

/// Looks up `_mta-sts.<domain>` and, when it holds an STSv1 record, fetches the policy from
/// `mta-sts.<domain>` (SNI, certificate name and Host header), verified against `tls`.
boost::asio::awaitable<sts_discovery> async_discover_sts(resolver::channel& dns, std::string domain,
                                                         sts_discovery_options options,
                                                         boost::asio::ssl::context& tls);

} // namespace probe
