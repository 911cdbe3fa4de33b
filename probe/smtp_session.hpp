#pragma once
// One SMTP connection, the way a careful sending MTA makes it: connect, 220 greeting, EHLO,
// STARTTLS, TLS handshake with SNI, EHLO again inside TLS, QUIT. It never sends MAIL, RCPT
// or DATA. Every phase has its own deadline and every read its limits; whatever was learnt
// before a failure stays in the result.

#include "probe/session_result.hpp"
#include "probe/smtp_reply.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace probe {

struct session_timeouts {
    std::chrono::milliseconds connect{10000};
    std::chrono::milliseconds banner{10000};  ///< RFC 5321 allows 5 min; a probe is stricter
    std::chrono::milliseconds command{10000}; ///< each EHLO/STARTTLS reply
    std::chrono::milliseconds handshake{10000};
    std::chrono::milliseconds quit{2000};
};

struct session_options {
    std::string ehlo_name = "localhost";
    session_timeouts timeouts;
    reply_limits limits;
    bool inspect_chain = true; ///< describe and verify the chain (off for enumeration)
    bool ehlo_after_tls = true;
    /// When set, these bytes are sent after "220 Ready" instead of an OpenSSL handshake, and
    /// the first bytes of the answer are kept in session_result::raw_tls_reply. It lets the
    /// probe speak protocol versions its OpenSSL no longer implements (an SSLv3 ClientHello).
    std::optional<std::string> raw_client_hello;
};

/// Runs one session against `endpoint`, presenting `host` as SNI. The context decides TLS
/// versions and suites; its certificate store is what the chain is verified against.
boost::asio::awaitable<session_result> async_smtp_session(boost::asio::ip::tcp::endpoint endpoint,
                                                          std::string host, session_options options,
                                                          boost::asio::ssl::context& tls);

} // namespace probe
