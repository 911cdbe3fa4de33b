#pragma once
// DNS answers as plain data: the outcome (NOERROR with data, NODATA, NXDOMAIN, SERVFAIL,
// timeout...), the AD bit, the CNAME chain that was followed, and the typed records. No Asio,
// so policy/ can judge answers without pulling in the event loop.

#include "resolver/records.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace resolver {

enum class dns_status {
    noerror,            ///< records of the asked type were found
    nodata,             ///< the name exists but has no records of that type
    nxdomain,           ///< the name does not exist
    servfail,           ///< the server could not answer (for a validator: often DNSSEC bogus)
    refused,            ///< the server refused the query
    timeout,            ///< no answer within the time and tries allowed
    bad_response,       ///< an answer arrived but could not be read
    cname_loop,         ///< CNAMEs pointed back at a name already seen, or chained too far
    connection_refused, ///< the server port was closed (ICMP unreachable / TCP RST)
    bad_name,           ///< the name cannot be put in a query (empty label, label > 63, ...)
    error,              ///< any other failure; `detail` says which
};

std::string_view to_string(dns_status s);

template <class Record> struct answer {
    std::string name;           ///< the name asked for
    std::string canonical_name; ///< where the CNAME chain ended (== name without CNAMEs)
    dns_status status = dns_status::error;
    bool authenticated = false;           ///< AD bit set on every response of the chain
    std::uint32_t ttl = 0;                ///< smallest TTL of the returned records
    std::vector<std::string> cname_chain; ///< targets followed, in order
    std::vector<Record> records;
    std::string detail; ///< human-readable detail on failures (c-ares or parse message)

    [[nodiscard]] bool has_data() const { return status == dns_status::noerror; }
};

using mx_answer = answer<mx_record>;
using address_answer = answer<address_record>;
using txt_answer = answer<txt_record>;
using tlsa_answer = answer<tlsa_record>;

/// Maximum CNAME hops followed before a lookup ends in `cname_loop`.
inline constexpr int max_cname_hops = 8;

/// The JSON summary of a lookup's outcome (without the records): name, status, secure, ...
void to_json(nlohmann::json& j, dns_status s);

} // namespace resolver
