#include "resolver/records.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>

namespace resolver {

namespace {

wire_error rdata_error(const resource_record& rr, std::string what) {
    return wire_error{rr.rdata_offset, rr.owner + ": " + std::move(what)};
}

// parse_message only produces records whose RDATA lies inside the message; this guards
// records built any other way.
bool rdata_inside(bytes_view msg, const resource_record& rr) {
    return rr.rdata_offset <= msg.size() && rr.rdata_length <= msg.size() - rr.rdata_offset;
}

wire_error outside(const resource_record& rr) {
    return rdata_error(rr, "RDATA lies outside the message");
}

bytes_view rdata_of(bytes_view msg, const resource_record& rr) {
    return msg.subspan(rr.rdata_offset, rr.rdata_length);
}

wire_result<address_record> parse_address(bytes_view msg, const resource_record& rr, int family,
                                          std::size_t size) {
    if (!rdata_inside(msg, rr)) {
        return outside(rr);
    }
    if (rr.rdata_length != size) {
        return rdata_error(rr, "address RDATA of " + std::to_string(rr.rdata_length) +
                                   " bytes, expected " + std::to_string(size));
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(family, rdata_of(msg, rr).data(), text, sizeof text) == nullptr) {
        return rdata_error(rr, "address cannot be formatted");
    }
    return address_record{text};
}

} // namespace

wire_result<mx_record> parse_mx(bytes_view msg, const resource_record& rr) {
    if (!rdata_inside(msg, rr)) {
        return outside(rr);
    }
    if (rr.rdata_length < 3) {
        return rdata_error(rr, "MX RDATA shorter than 3 bytes");
    }
    mx_record out;
    out.preference =
        static_cast<std::uint16_t>((msg[rr.rdata_offset] << 8) | msg[rr.rdata_offset + 1]);
    std::size_t offset = rr.rdata_offset + 2;
    auto host = read_name(msg, offset);
    if (!host) {
        return host.error();
    }
    if (offset != rr.rdata_offset + rr.rdata_length) {
        return rdata_error(rr, "MX exchange name does not fill the RDATA");
    }
    out.host = std::move(*host);
    return out;
}

wire_result<cname_record> parse_cname(bytes_view msg, const resource_record& rr) {
    if (!rdata_inside(msg, rr)) {
        return outside(rr);
    }
    std::size_t offset = rr.rdata_offset;
    auto target = read_name(msg, offset);
    if (!target) {
        return target.error();
    }
    if (offset != rr.rdata_offset + rr.rdata_length) {
        return rdata_error(rr, "CNAME target does not fill the RDATA");
    }
    return cname_record{std::move(*target)};
}

wire_result<address_record> parse_a(bytes_view msg, const resource_record& rr) {
    return parse_address(msg, rr, AF_INET, 4);
}

wire_result<address_record> parse_aaaa(bytes_view msg, const resource_record& rr) {
    return parse_address(msg, rr, AF_INET6, 16);
}

wire_result<txt_record> parse_txt(bytes_view msg, const resource_record& rr) {
    if (!rdata_inside(msg, rr)) {
        return outside(rr);
    }
    const bytes_view data = rdata_of(msg, rr);
    if (data.empty()) {
        return rdata_error(rr, "TXT RDATA is empty");
    }
    txt_record out;
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t len = data[pos];
        if (pos + 1 + len > data.size()) {
            return rdata_error(rr, "TXT character-string " + std::to_string(out.strings_count + 1) +
                                       " runs past the RDATA");
        }
        out.text.append(reinterpret_cast<const char*>(data.data() + pos + 1), len);
        ++out.strings_count;
        pos += 1 + len;
    }
    return out;
}

wire_result<tlsa_record> parse_tlsa(bytes_view msg, const resource_record& rr) {
    if (!rdata_inside(msg, rr)) {
        return outside(rr);
    }
    const bytes_view data = rdata_of(msg, rr);
    // RFC 6698 §2.1: three one-octet fields, then the association data.
    if (data.size() < 4) {
        return rdata_error(rr, "TLSA RDATA shorter than 4 bytes");
    }
    static constexpr char digits[] = "0123456789abcdef";
    tlsa_record out{data[0], data[1], data[2], {}};
    out.data_hex.reserve((data.size() - 3) * 2);
    for (std::uint8_t b : data.subspan(3)) {
        out.data_hex.push_back(digits[b >> 4]);
        out.data_hex.push_back(digits[b & 0x0F]);
    }
    return out;
}

void to_json(nlohmann::json& j, const mx_record& r) {
    j = nlohmann::json{{"preference", r.preference}, {"host", r.host.empty() ? "." : r.host}};
}

void to_json(nlohmann::json& j, const address_record& r) {
    j = r.address;
}

void to_json(nlohmann::json& j, const txt_record& r) {
    j = r.text;
}

void to_json(nlohmann::json& j, const tlsa_record& r) {
    j = nlohmann::json{{"usage", r.usage},
                       {"selector", r.selector},
                       {"matching_type", r.matching_type},
                       {"data", r.data_hex}};
}

} // namespace resolver
