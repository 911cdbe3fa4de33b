// libFuzzer target: DNS wire parsing (resolver/wire.*) and RDATA decoding (resolver/records.*)
// on arbitrary responses. Every answer record is decoded as each of MX, A, AAAA, TXT, TLSA and
// CNAME whatever its type says, since a hostile server chooses the type field too; names are
// also read from every offset, so compression pointers land on every byte.

#include "resolver/records.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>

namespace {

using mxprobe_fuzz::require;

// Presentation form: at most 255 wire octets, each escaped as at most four characters.
constexpr std::size_t max_presented_name = 4 * 255;

template <class Result> void check_decoded(const Result& r, resolver::bytes_view msg) {
    if (r) {
        (void)mxprobe_fuzz::dumped(*r);
    } else {
        require(!r.error().message.empty(), "RDATA error without a message");
        require(r.error().offset <= msg.size(), "RDATA error offset outside the message");
    }
}

void check_name_at(resolver::bytes_view msg, std::size_t start) {
    std::size_t offset = start;
    const auto name = resolver::read_name(msg, offset);
    if (name) {
        require(offset > start && offset <= msg.size(), "read_name moved to a bad offset");
        require(name->size() <= max_presented_name, "name longer than 255 octets allows");
        for (char c : *name) {
            require(c < 'A' || c > 'Z', "read_name result not lower-cased");
        }
    } else {
        require(name.error().offset <= msg.size(), "name error offset outside the message");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const resolver::bytes_view msg(data, size);
    const auto parsed = resolver::parse_message(msg);
    if (!parsed) {
        require(!parsed.error().message.empty(), "message error without a message");
        require(parsed.error().offset <= size, "message error offset outside the message");
    } else {
        for (const resolver::resource_record& rr : parsed->answers) {
            require(rr.rdata_offset + rr.rdata_length <= size, "RDATA outside the message");
            require(rr.owner.size() <= max_presented_name, "owner longer than 255 octets allows");
            check_decoded(resolver::parse_mx(msg, rr), msg);
            check_decoded(resolver::parse_a(msg, rr), msg);
            check_decoded(resolver::parse_aaaa(msg, rr), msg);
            check_decoded(resolver::parse_txt(msg, rr), msg);
            check_decoded(resolver::parse_tlsa(msg, rr), msg);
            const auto cname = resolver::parse_cname(msg, rr);
            require(cname || !cname.error().message.empty(), "CNAME error without a message");
        }
    }
    // Bounded so that a large input costs linear time, not quadratic.
    for (std::size_t start = 0; start < size && start < 512; ++start) {
        check_name_at(msg, start);
    }
    return 0;
}
