#pragma once
// The single bridge from c-ares' callback API to an awaitable: sends one query built by us
// (EDNS(0), AD bit set so a validating resolver reports what it validated, RFC 6840 §5.7)
// and returns the raw response bytes. Internal to resolver/.

#include "resolver/wire.hpp"

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace resolver {

class channel;

struct raw_response {
    int ares_status = 0;             ///< ARES_SUCCESS when `bytes` holds a response
    std::vector<std::uint8_t> bytes; ///< the whole DNS message
};

boost::asio::awaitable<raw_response> async_query(channel& ch, std::string name, rr_type type);

} // namespace resolver
