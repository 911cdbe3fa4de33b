#pragma once
// The network side of `mxprobe check-cert`: each domain's mail route (MX, addresses, TLSA)
// and MTA-STS policy, the TLSA of hosts given with --mx, and with --live what every host
// presents today. All of it runs concurrently on one io_context; every lookup ends in a value.

#include "policy/live_comparison.hpp"
#include "probe/session_result.hpp"
#include "probe/sts_discovery.hpp"
#include "resolver/mail_route.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

namespace resolver {
class channel;
}

namespace mxprobe {

struct domain_facts {
    resolver::mail_lookup route;
    std::optional<probe::sts_discovery> sts; ///< not looked up with --policy-host
};

struct lookup_request {
    std::vector<std::string> domains;
    std::vector<std::string> hosts; ///< --mx: A, AAAA and `_25._tcp` TLSA for each
    bool discover_sts = true;
    probe::sts_discovery_options sts;
};

struct lookup_facts {
    std::vector<domain_facts> domains;           ///< in the order of lookup_request::domains
    std::vector<resolver::mx_host_lookup> hosts; ///< in the order of lookup_request::hosts
};

boost::asio::awaitable<lookup_facts>
async_lookup_all(resolver::channel& dns, lookup_request request, boost::asio::ssl::context& tls);

struct live_request {
    std::uint16_t port = 25;
    bool allow_private = false;
    std::string ehlo_name;
    std::chrono::milliseconds step{10000}; ///< deadline of each phase
};

/// What one host presents now: the SMTP session (STARTTLS, as `mxprobe host` does) on the
/// first address of `host`, reduced to the view policy compares with.
struct live_probe {
    policy::live_view view;
    std::optional<probe::session_result> session; ///< when a connection was made
};

/// One STARTTLS session per host, concurrently, SNI = the host name.
boost::asio::awaitable<std::vector<live_probe>>
async_probe_live(std::vector<resolver::mx_host_lookup> hosts, live_request request,
                 boost::asio::ssl::context& tls);

/// The certificate each `mta-sts.<domain>` serves over HTTPS now (--policy-host --live).
boost::asio::awaitable<std::vector<live_probe>>
async_probe_policy_hosts(resolver::channel& dns, std::vector<std::string> policy_hosts,
                         live_request request, boost::asio::ssl::context& tls);

} // namespace mxprobe
