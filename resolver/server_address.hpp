#pragma once
// The `--resolver IP[:PORT]` syntax: "192.0.2.1", "192.0.2.1:5353", "2001:db8::1",
// "[2001:db8::1]" and "[2001:db8::1]:5353". Port 53 when none is given.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

namespace resolver {

struct server_address {
    std::string ip; ///< numeric address, without brackets
    std::uint16_t port = 53;
    bool is_ipv6 = false;
};

/// Parses one server; the error string says what is wrong with the text.
boost::system::result<server_address, std::string> parse_server_address(std::string_view text);

[[noreturn]] void throw_exception_from_error(const std::string& e,
                                             const boost::source_location& loc);

} // namespace resolver
