#pragma once
// Does a domain's MTA-STS policy cover every MX host its DNS publishes (RFC 8461 §4.1,
// STS-32a, STS-34)? A policy whose `mx` patterns miss an MX makes enforce-mode senders refuse
// that MX and testing-mode senders report it, so this is checked from DNS alone, before any
// MX is probed. Pure: the MX answer and the policy are plain data.

#include "policy/mta_sts_policy.hpp"
#include "resolver/answer.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

struct sts_mx_coverage {
    std::uint16_t preference = 0;
    std::string host;                   ///< as in the MX record, without the trailing dot
    std::optional<std::string> pattern; ///< the first `mx` pattern that matches it
    /// What a sender applying the policy reports for this host when no pattern matches:
    /// "validation-failure" (reason mx-not-in-policy, STANDARDS §7 row 19) under a valid
    /// enforce or testing policy; empty otherwise (mode none reports nothing, STS-37).
    std::string result_type;
};

struct sts_coverage {
    std::string mx_name; ///< the domain whose MX RRset was asked for
    resolver::dns_status mx_status = resolver::dns_status::error;
    bool mx_secure = false;   ///< AD bit on the MX answer
    std::string mx_detail;    ///< the resolver's detail when the lookup failed
    bool null_mx = false;     ///< the domain accepts no mail (RFC 7505)
    bool implicit_mx = false; ///< no MX RRset: the domain itself is the MX host (RFC 5321 §5.1)
    /// A parsed policy with at least one pattern was compared with a usable MX answer.
    bool checked = false;
    std::vector<sts_mx_coverage> hosts; ///< ascending preference, each host once
    std::size_t uncovered = 0;          ///< hosts no pattern matches (0 when not checked)
    /// Patterns that match none of the hosts: stale entries, or MX records missing from DNS.
    std::vector<std::string> unused_patterns;

    /// The MX answer is one a sender can act on: records, NODATA (implicit MX) or NXDOMAIN.
    [[nodiscard]] bool mx_answered() const;
};

/// Compares the MX hosts of `domain` with the patterns of `policy` (when there is one).
/// Hosts are listed whenever the MX answer has them, so a report can show them even when
/// no policy was fetched.
sts_coverage check_sts_coverage(const std::string& domain, const resolver::mx_answer& mx,
                                const std::optional<sts_policy>& policy);

void to_json(nlohmann::json& j, const sts_coverage& c);

} // namespace policy
