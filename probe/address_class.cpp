#include "probe/address_class.hpp"

#include <array>
#include <cstdint>

namespace probe {

namespace {

struct v4_range {
    std::uint32_t network;
    int prefix;
    const char* reason;
};

constexpr std::array<v4_range, 13> v4_special{{
    {0x00000000, 8, "\"this network\" (0.0.0.0/8)"},
    {0x0A000000, 8, "private (RFC 1918)"},
    {0x64400000, 10, "shared carrier-grade NAT (RFC 6598)"},
    {0x7F000000, 8, "loopback"},
    {0xA9FE0000, 16, "link-local"},
    {0xAC100000, 12, "private (RFC 1918)"},
    {0xC0000000, 24, "IETF protocol assignments"},
    {0xC0000200, 24, "documentation (TEST-NET-1)"},
    {0xC0A80000, 16, "private (RFC 1918)"},
    {0xC6120000, 15, "benchmarking (RFC 2544)"},
    {0xC6336400, 24, "documentation (TEST-NET-2)"},
    {0xCB007100, 24, "documentation (TEST-NET-3)"},
    {0xE0000000, 3, "multicast or reserved"},
}};

std::optional<std::string> v4_reason(const boost::asio::ip::address_v4& a) {
    const std::uint32_t bits = a.to_uint();
    for (const auto& r : v4_special) {
        const std::uint32_t mask = r.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - r.prefix);
        if ((bits & mask) == r.network) {
            return std::string(r.reason);
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> special_address_reason(const boost::asio::ip::address& a) {
    if (a.is_v4()) {
        return v4_reason(a.to_v4());
    }
    const auto v6 = a.to_v6();
    if (v6.is_v4_mapped()) {
        return v4_reason(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
    }
    if (v6.is_loopback()) {
        return "loopback";
    }
    if (v6.is_unspecified()) {
        return "unspecified";
    }
    if (v6.is_link_local()) {
        return "link-local";
    }
    if (v6.is_multicast()) {
        return "multicast";
    }
    const auto bytes = v6.to_bytes();
    if ((bytes[0] & 0xFE) == 0xFC) {
        return "unique local (fc00::/7)";
    }
    if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8) {
        return "documentation (2001:db8::/32)";
    }
    return std::nullopt;
}

} // namespace probe
