#pragma once
// The part of an enumeration done without OpenSSL's handshake: sessions that send a
// hand-made ClientHello after STARTTLS, and the walk over the 3DES and RC4 suites this
// OpenSSL cannot offer (legacy_hello.hpp).

#include "probe/enumeration_result.hpp"
#include "probe/session_result.hpp"
#include "probe/smtp_session.hpp"

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace probe {

/// One SMTP session that sends `hello` after "220 Ready" and keeps the first bytes of the
/// answer in raw_tls_reply; counted in out.connections.
boost::asio::awaitable<session_result>
async_raw_hello_session(boost::asio::ip::tcp::endpoint endpoint, std::string host,
                        session_options options, std::string hello, enumeration_result& out);

/// Offer all, note the server's choice, remove it, repeat, at `version` (TLS1_VERSION ...
/// TLS1_2_VERSION); returns the accepted suites' names in the order found. Anything that
/// cuts the walk short other than a refusal is added to out.notes.
boost::asio::awaitable<std::vector<std::string>>
async_walk_legacy_suites(boost::asio::ip::tcp::endpoint endpoint, std::string host,
                         session_options options, int version, enumeration_result& out);

} // namespace probe
