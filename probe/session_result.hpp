#pragma once
// What one SMTP STARTTLS session found, as plain data (no Asio, no OpenSSL types), so that
// policy/ can judge it and tools/ can print it.

#include "probe/chain_check.hpp"
#include "probe/outcome.hpp"
#include "probe/tls_session.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace probe {

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
    std::string starttls_reply; ///< the reply to STARTTLS, e.g. "454 4.7.0 TLS not available"
    bool plaintext_after_starttls = false; ///< bytes arrived between 220 and the handshake
    bool bare_lf = false;                  ///< a reply line ended in LF alone

    std::string raw_tls_reply; ///< first bytes answering options.raw_client_hello
    /// The alert the server sent when it refused our handshake (40 handshake_failure, 70
    /// protocol_version, ...); -1 when none was received.
    int tls_alert = -1;
    std::optional<tls_session> tls;
    std::optional<chain_verdict> certificate;
    std::vector<std::string> ehlo_after_tls;
    bool starttls_after_tls = false; ///< STARTTLS advertised again inside TLS (RFC 3207 §4.2)

    /// The reply code when the server refused or closed the session (421, 554), at the
    /// greeting or in answer to EHLO; 0 otherwise.
    int refusal_code = 0;

    status outcome = status::success;
    phase failed_phase = phase::none;
    std::string error; ///< concrete reason: reply text, socket error, OpenSSL error queue
    std::chrono::milliseconds elapsed{0};
};

} // namespace probe
