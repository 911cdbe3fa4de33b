#pragma once
// What one HTTPS fetch found, as plain data (no Asio), so that policy/ can judge it.

#include "probe/chain_check.hpp"
#include "probe/tls_session.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace probe {

enum class fetch_failure {
    none,
    dns,             ///< the host has no address, or DNS failed
    address_refused, ///< only special-purpose addresses, and allow_private is off
    connect,
    tls,         ///< handshake failed
    certificate, ///< chain untrusted, expired, or not for the host (WebPKI)
    timeout,
    http_status, ///< not 200
    redirect,    ///< 3xx: RFC 8461 §3.3 forbids following it
    media_type,  ///< Content-Type is not the required one
    too_large,   ///< body over max_body
    protocol,    ///< malformed HTTP
};

std::string_view to_string(fetch_failure f);

struct https_response {
    std::string ip; ///< the address connected to
    int status = 0; ///< HTTP status code, 0 when none was read
    std::string content_type;
    std::string location; ///< for redirects
    std::string body;
    std::optional<tls_session> tls;
    std::optional<chain_verdict> certificate;
    fetch_failure failure = fetch_failure::none;
    std::string error; ///< the concrete reason
    std::chrono::milliseconds elapsed{0};
};

} // namespace probe
