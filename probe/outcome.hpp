#pragma once
// The closed vocabulary that says where and why a probe stopped: a status plus the phase it
// stopped in, and a detail string with the concrete reason (reply text, OpenSSL error queue).

#include <string_view>

namespace probe {

enum class phase {
    none,    ///< the probe did not fail
    address, ///< the address was refused before connecting (private, loopback, ...)
    connect,
    banner,
    ehlo,
    starttls,
    handshake,
    post_tls_ehlo,
    quit,
};

enum class status {
    success,
    address_refused, ///< a special-purpose address and --allow-private not given
    connection_refused,
    connection_timeout,
    io_timeout,           ///< the server stopped answering inside a phase's deadline
    connection_closed,    ///< the server closed the connection mid-dialogue
    protocol_error,       ///< a malformed, oversize or out-of-turn reply
    session_refused,      ///< 554 greeting, or 421 "closing" (RFC 5321 §3.1, §4.2)
    starttls_not_offered, ///< no STARTTLS keyword in the EHLO reply (or EHLO refused)
    starttls_rejected,    ///< STARTTLS answered with anything but 220
    handshake_error,      ///< the TLS handshake failed after "220 Ready"
    post_tls_error,       ///< TLS came up, but the server would not talk SMTP inside it
    internal_error,       ///< a bug in mxprobe; the detail says where
};

std::string_view to_string(phase p);
std::string_view to_string(status s);

} // namespace probe
