#pragma once
// One HTTPS GET the way RFC 8461 §3.3 fetches an MTA-STS policy: SNI and certificate checked
// for the host, HTTP 200 only, redirects refused, a required media type, a hard body limit
// whether the length is declared or chunked, and one deadline for the whole fetch.

#include "probe/chain_check.hpp"
#include "probe/tls_session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace resolver {
class channel;
}

namespace probe {

struct https_fetch_options {
    std::string host;                                 ///< SNI, certificate name and Host header
    std::string target = "/.well-known/mta-sts.txt";
    std::uint16_t port = 443;
    std::chrono::milliseconds deadline{10000};        ///< for everything after DNS
    std::size_t max_body = 64 * 1024;                 ///< RFC 8461 §3.3 suggests 64 KiB
    std::string required_media_type = "text/plain";   ///< empty: any
    bool allow_private = false;                       ///< permit special-purpose addresses
    std::optional<boost::asio::ip::address> connect_to; ///< skip DNS and connect here
};

enum class fetch_failure {
    none,
    dns,              ///< the host has no address, or DNS failed
    address_refused,  ///< only special-purpose addresses, and allow_private is off
    connect,
    tls,              ///< handshake failed
    certificate,      ///< chain untrusted, expired, or not for the host (WebPKI)
    timeout,
    http_status,      ///< not 200
    redirect,         ///< 3xx: RFC 8461 §3.3 forbids following it
    media_type,       ///< Content-Type is not the required one
    too_large,        ///< body over max_body
    protocol,         ///< malformed HTTP
};

std::string_view to_string(fetch_failure f);

struct https_response {
    std::string ip;                ///< the address connected to
    int status = 0;                ///< HTTP status code, 0 when none was read
    std::string content_type;
    std::string location;          ///< for redirects
    std::string body;
    std::optional<tls_session> tls;
    std::optional<chain_verdict> certificate;
    fetch_failure failure = fetch_failure::none;
    std::string error; ///< the concrete reason
    std::chrono::milliseconds elapsed{0};
};

/// Fetches https://<host>:<port><target>, resolving the host through `dns` (A, then AAAA).
/// `tls` decides the trust store the certificate is verified against.
boost::asio::awaitable<https_response> async_https_fetch(resolver::channel& dns,
                                                         https_fetch_options options,
                                                         boost::asio::ssl::context& tls);

/// The media type of a Content-Type value, lower-cased, parameters removed.
std::string media_type_of(std::string_view content_type);

} // namespace probe
