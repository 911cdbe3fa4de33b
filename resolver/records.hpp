#pragma once
// Typed records decoded from RDATA. Plain data: no c-ares or Asio types leak out.

#include "resolver/wire.hpp"

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace resolver {

struct mx_record {
    std::uint16_t preference = 0;
    std::string host; ///< "" for the root, which is how a null MX (RFC 7505) names its exchange
};

struct address_record {
    std::string address; ///< textual IPv4 or IPv6 address
};

struct txt_record {
    std::string text; ///< the record's character-strings joined without separator
    std::size_t strings_count = 0;
};

struct tlsa_record {
    std::uint8_t usage = 0;
    std::uint8_t selector = 0;
    std::uint8_t matching_type = 0;
    std::string data_hex; ///< certificate association data, lower-case hex
};

struct cname_record {
    std::string target;
};

wire_result<mx_record> parse_mx(bytes_view msg, const resource_record& rr);
wire_result<address_record> parse_a(bytes_view msg, const resource_record& rr);
wire_result<address_record> parse_aaaa(bytes_view msg, const resource_record& rr);
wire_result<txt_record> parse_txt(bytes_view msg, const resource_record& rr);
wire_result<tlsa_record> parse_tlsa(bytes_view msg, const resource_record& rr);
wire_result<cname_record> parse_cname(bytes_view msg, const resource_record& rr);

void to_json(nlohmann::json& j, const mx_record& r);
void to_json(nlohmann::json& j, const address_record& r);
void to_json(nlohmann::json& j, const txt_record& r);
void to_json(nlohmann::json& j, const tlsa_record& r);

} // namespace resolver
