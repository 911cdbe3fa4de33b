#pragma once
// One SMTP connection, the way a careful sending MTA makes it: connect, 220 greeting, EHLO,
// STARTTLS, TLS handshake with SNI, EHLO again inside TLS, QUIT. It never sends MAIL, RCPT
// or DATA. Every phase has its own deadline and every read its limits; whatever was learnt
// before a failure stays in the result.

#include "probe/chain_check.hpp"
#include "probe/outcome.hpp"
#include "probe/smtp_reply.hpp"
#include "probe/tls_session.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace probe {

struct session_timeouts {
    std::chrono::milliseconds connect{10000};
    std::chrono::milliseconds banner{10000}; ///< RFC 5321 allows 5 min; a probe is stricter
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
};

struct session_result {
    std::string host; ///< the name used for SNI and the certificate name check
    std::string ip;
    std::uint16_t port = 25;

    int banner_code = 0;
    std::vector<std::string> banner; ///< greeting lines
    std::vector<std::string> ehlo;   ///< EHLO keywords before TLS
    bool helo_fallback = false;      ///< EHLO was refused; HELO has no extensions
    bool starttls_offered = false;
    bool starttls_accepted = false;
    std::string starttls_reply;      ///< the reply to STARTTLS, e.g. "454 4.7.0 TLS not available"
    bool plaintext_after_starttls = false; ///< bytes arrived between 220 and the handshake
    bool bare_lf = false;            ///< a reply line ended in LF alone

    std::optional<tls_session> tls;
    std::optional<chain_verdict> certificate;
    std::vector<std::string> ehlo_after_tls;
    bool starttls_after_tls = false; ///< STARTTLS advertised again inside TLS (RFC 3207 §4.2)

    status outcome = status::success;
    phase failed_phase = phase::none;
    std::string error; ///< concrete reason: reply text, socket error, OpenSSL error queue
    std::chrono::milliseconds elapsed{0};
};

/// Runs one session against `endpoint`, presenting `host` as SNI. The context decides TLS
/// versions and suites; its certificate store is what the chain is verified against.
boost::asio::awaitable<session_result> async_smtp_session(boost::asio::ip::tcp::endpoint endpoint,
                                                          std::string host, session_options options,
                                                          boost::asio::ssl::context& tls);

} // namespace probe
