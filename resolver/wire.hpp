#pragma once
// Pure DNS wire-format reading (RFC 1035 §4): header, question skipping, resource records
// and compressed names. No sockets, no c-ares: it is fed the bytes of one response.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <boost/system/result.hpp>

namespace resolver {

using bytes_view = std::span<const std::uint8_t>;

enum class rr_type : std::uint16_t {
    a = 1,
    cname = 5,
    mx = 15,
    txt = 16,
    aaaa = 28,
    opt = 41,
    tlsa = 52,
};

/// Where in a response reading failed and why; `offset` is a byte index into the message.
struct wire_error {
    std::size_t offset = 0;
    std::string message;
};
[[noreturn]] void throw_exception_from_error(const wire_error& e,
                                             const boost::source_location& loc);

template <class T> using wire_result = boost::system::result<T, wire_error>;

struct resource_record {
    std::string owner; ///< presentation form, lower case, no trailing dot ("" is the root)
    std::uint16_t type = 0;
    std::uint16_t rr_class = 0;
    std::uint32_t ttl = 0;
    std::size_t rdata_offset = 0; ///< into the whole message, so compressed names resolve
    std::uint16_t rdata_length = 0;
};

struct message {
    std::uint16_t id = 0;
    bool is_response = false;
    bool truncated = false;
    bool authentic_data = false; ///< the AD bit (RFC 4035 §3.2.3)
    std::uint8_t rcode = 0;
    std::vector<resource_record> answers;
};

/// Parses header, skips the question section and reads the answer section. Authority and
/// additional sections are not needed by any caller and are not read.
wire_result<message> parse_message(bytes_view msg);

/// Reads a possibly compressed domain name starting at `offset`. On success `offset` is
/// advanced past the name as it sits at that position (a pointer counts two bytes). Pointer
/// loops and forward pointers are rejected; labels are escaped as `\DDD` when not printable.
wire_result<std::string> read_name(bytes_view msg, std::size_t& offset);

/// Lower-cases ASCII letters and removes one trailing dot: the form in which names compare.
std::string canonical_name(std::string_view name);

} // namespace resolver
