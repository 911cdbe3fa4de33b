#pragma once
// One domain scanned the way DESIGN.md's "flow of one scan" describes: the mail route in DNS,
// then, in parallel, the MTA-STS policy fetch and one probe per (MX host, IP) — each shared
// with every other domain of the scan that uses the same host and IP.

#include "probe/domain_facts.hpp"
#include "probe/host_probe.hpp"
#include "probe/probe_budget.hpp"
#include "probe/probe_cache.hpp"
#include "probe/provider_group.hpp"
#include "probe/sts_discovery.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

namespace resolver {
class channel;
}

namespace probe {

/// The long-lived pieces every domain of a scan shares. They outlive every coroutine of the
/// scan, so coroutines take them by reference.
struct scan_context {
    resolver::channel& dns;
    boost::asio::ssl::context& tls;
    probe_budget& budget;
    probe_cache& cache;
    const provider_classifier& providers;
};

struct domain_scan_options {
    std::uint16_t port = 25;
    host_probe_options host;
    sts_discovery_options sts;
    bool ipv4 = true;
    bool ipv6 = true;
    std::size_t max_mx_hosts = 32;           ///< MX hosts probed per domain
    std::size_t max_addresses_per_host = 16; ///< addresses probed per MX host
};

boost::asio::awaitable<domain_facts> async_scan_domain(scan_context& context, std::string domain,
                                                       domain_scan_options options);

/// The cache key of one probe: host, IP, port and the options that change what is probed.
std::string probe_key(const host_probe_target& target, const host_probe_options& options);

} // namespace probe
