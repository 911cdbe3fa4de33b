#pragma once
// Enumeration with as few handshakes as the method allows: offer every suite, remove the one
// the server chose, repeat until it refuses. One connection at a time per host (politeness).

#include "probe/enumeration_result.hpp"
#include "probe/smtp_session.hpp"

#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace probe {

boost::asio::awaitable<enumeration_result>
async_enumerate(boost::asio::ip::tcp::endpoint endpoint, std::string host, session_options options);

} // namespace probe
