#pragma once
// One HTTPS GET the way RFC 8461 §3.3 fetches an MTA-STS policy: SNI and certificate checked
// for the host, HTTP 200 only, redirects refused, a required media type, a hard body limit
// whether the length is declared or chunked, and one deadline for the whole fetch.

#include "probe/https_response.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

namespace resolver {
class channel;
}

namespace probe {

struct https_fetch_options {
    std::string host; ///< SNI, certificate name and Host header
    std::string target = "/.well-known/mta-sts.txt";
    std::uint16_t port = 443;
    std::chrono::milliseconds deadline{10000};          ///< for everything after DNS
    std::size_t max_body = std::size_t{64} * 1024;      ///< RFC 8461 §3.3 suggests 64 KiB
    std::string required_media_type = "text/plain";     ///< empty: any
    bool allow_private = false;                         ///< permit special-purpose addresses
    std::optional<boost::asio::ip::address> connect_to; ///< skip DNS and connect here
};

/// Fetches https://<host>:<port><target>, resolving the host through `dns` (A, then AAAA).
/// `tls` decides the trust store the certificate is verified against.
boost::asio::awaitable<https_response> async_https_fetch(resolver::channel& dns,
                                                         https_fetch_options options,
                                                         boost::asio::ssl::context& tls);

/// The media type of a Content-Type value, lower-cased, parameters removed.
std::string media_type_of(std::string_view content_type);

} // namespace probe
