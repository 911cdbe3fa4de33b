#include "resolver/server_address.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <netinet/in.h>
#include <stdexcept>

#include <boost/throw_exception.hpp>

namespace resolver {

namespace {

bool is_ipv4(const std::string& text) {
    in_addr a{};
    return inet_pton(AF_INET, text.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& text) {
    in6_addr a{};
    return inet_pton(AF_INET6, text.c_str(), &a) == 1;
}

boost::system::result<std::uint16_t, std::string> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
        return boost::system::result<std::uint16_t, std::string>(
            boost::system::in_place_error,
            "port '" + std::string(text) + "' is not a number from 1 to 65535");
    }
    return static_cast<std::uint16_t>(value);
}

using address_result = boost::system::result<server_address, std::string>;

address_result fail(std::string message) {
    return address_result(boost::system::in_place_error, std::move(message));
}

} // namespace

void throw_exception_from_error(const std::string& e, const boost::source_location& loc) {
    boost::throw_exception(std::invalid_argument(e), loc);
}

boost::system::result<server_address, std::string> parse_server_address(std::string_view text) {
    const std::string quoted = "'" + std::string(text) + "'";
    if (text.empty()) {
        return fail(std::string("empty resolver address"));
    }
    server_address out;
    std::string_view host = text;
    std::string_view port;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) {
            return fail(quoted + ": '[' without a closing ']'");
        }
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return fail(quoted + ": expected ':PORT' after ']'");
            }
            port = rest.substr(1);
            if (port.empty()) {
                return fail(quoted + ": empty port after ':'");
            }
        }
        if (!is_ipv6(std::string(host))) {
            return fail(quoted + ": not an IPv6 address inside [...]");
        }
        out.is_ipv6 = true;
    } else if (text.find(':') != text.rfind(':')) {
        // Two or more colons and no brackets: a bare IPv6 address, port 53.
        if (!is_ipv6(std::string(text))) {
            return fail(quoted + ": not an IP address (write IPv6 with a port as [ADDR]:PORT)");
        }
        out.is_ipv6 = true;
    } else {
        const auto colon = text.find(':');
        if (colon != std::string_view::npos) {
            host = text.substr(0, colon);
            port = text.substr(colon + 1);
            if (port.empty()) {
                return fail(quoted + ": empty port after ':'");
            }
        }
        if (!is_ipv4(std::string(host))) {
            return fail(quoted +
                        ": not a numeric IPv4 or IPv6 address (host names are not allowed: "
                        "they would need a resolver to find the resolver)");
        }
    }
    out.ip = std::string(host);
    if (!port.empty()) {
        auto p = parse_port(port);
        if (!p) {
            return fail(quoted + ": " + p.error());
        }
        out.port = *p;
    }
    return out;
}

} // namespace resolver
