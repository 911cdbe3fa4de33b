#pragma once
// One (MX host, IP) probed politely inside a scan: wait for the budget's grants, run the
// STARTTLS session, and when the server answers 421 or drops the connection at the greeting
// (rate limiting, greylisting of scanners, a busy server) wait and try again with backoff,
// never reading that as "no STARTTLS". A session that takes long gives back its active slot,
// so a tarpit costs a socket and a timer, not a slot in everybody's way. With `enumerate`,
// the enumeration follows under the same grants (one connection at a time to the IP).

#include "probe/busy_server.hpp"
#include "probe/host_probe_result.hpp"
#include "probe/probe_budget.hpp"
#include "probe/provider_group.hpp"
#include "probe/smtp_session.hpp"

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

namespace probe {

struct host_probe_options {
    session_options session;
    bool enumerate = false;
    int retries = 2; ///< further attempts after a 421 or a drop at the greeting
    std::chrono::milliseconds retry_delay{30000}; ///< before the first retry; doubled after
    std::chrono::milliseconds slow_after{1000};   ///< then the active slot is given back
    bool allow_private = false; ///< loopback, RFC 1918, ... are refused without it
};

struct host_probe_target {
    std::string host; ///< the MX host name: SNI and certificate reference name
    boost::asio::ip::address ip;
    std::uint16_t port = 25;
};

boost::asio::awaitable<host_probe_result>
async_probe_host(host_probe_target target, host_probe_options options, probe_budget& budget,
                 const provider_classifier& providers, boost::asio::ssl::context& tls);

} // namespace probe
