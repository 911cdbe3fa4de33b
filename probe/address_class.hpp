#pragma once
// Special-purpose addresses (RFC 6890 and friends). A partner's DNS must not be able to steer
// the probe into our own network, so these are refused unless explicitly allowed.

#include <optional>
#include <string>

#include <boost/asio/ip/address.hpp>

namespace probe {

/// Why `a` is special ("loopback", "private (RFC 1918)", ...), or nothing for a public address.
std::optional<std::string> special_address_reason(const boost::asio::ip::address& a);

} // namespace probe
