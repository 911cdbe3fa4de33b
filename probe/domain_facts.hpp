#pragma once
// What a scan found for one domain, as plain data: its mail route in DNS (MX, addresses,
// TLSA, the `_mta-sts` and `_smtp._tls` TXT records), the MTA-STS policy fetch, and a probe
// per (MX host, IP). Probe results are shared between the domains of a scan that use the
// same MX host and IP. Judged by policy/domain_verdict.

#include "probe/host_probe_result.hpp"
#include "probe/https_response.hpp"
#include "resolver/mail_route.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace probe {

struct mx_address_probe {
    std::string host;
    std::uint16_t preference = 0;
    std::string ip;
    std::uint16_t port = 25;
    std::shared_ptr<const host_probe_result> result;
};

struct domain_facts {
    std::string domain;
    std::size_t index = 0; ///< position in the scan's list of targets
    resolver::mail_lookup route;
    /// The MTA-STS policy fetch, made when a `_mta-sts` TXT record claims STSv1.
    std::optional<https_response> sts_fetch;
    std::vector<mx_address_probe> probes; ///< MX preference order, then address order
    /// What the scan left out and why: MX hosts or addresses over the caps, addresses of a
    /// family excluded by --ipv4-only / --ipv6-only.
    std::vector<std::string> not_probed;
    std::chrono::milliseconds elapsed{0};
};

} // namespace probe
