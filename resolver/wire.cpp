#include "resolver/wire.hpp"

#include <stdexcept>

#include <boost/throw_exception.hpp>

namespace resolver {

namespace {

constexpr std::size_t header_size = 12;
constexpr std::size_t max_name_length = 255; // RFC 1035 §2.3.4, in wire octets
constexpr std::uint8_t pointer_mask = 0xC0;

std::uint16_t read_u16(bytes_view msg, std::size_t at) {
    return static_cast<std::uint16_t>((msg[at] << 8) | msg[at + 1]);
}

std::uint32_t read_u32(bytes_view msg, std::size_t at) {
    return (std::uint32_t{msg[at]} << 24) | (std::uint32_t{msg[at + 1]} << 16) |
           (std::uint32_t{msg[at + 2]} << 8) | std::uint32_t{msg[at + 3]};
}

bool is_plain_label_char(std::uint8_t c) {
    return c > 0x20 && c < 0x7F && c != '.' && c != '\\';
}

// Escapes a label the way zone files do, so a hostile name cannot smuggle dots, spaces or
// terminal control characters into output.
void append_label(std::string& out, bytes_view label) {
    for (std::uint8_t c : label) {
        if (is_plain_label_char(c)) {
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
        } else if (c == '.' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('\\');
            out.push_back(static_cast<char>('0' + c / 100));
            out.push_back(static_cast<char>('0' + (c / 10) % 10));
            out.push_back(static_cast<char>('0' + c % 10));
        }
    }
}

wire_result<std::size_t> skip_question(bytes_view msg, std::size_t offset) {
    auto name = read_name(msg, offset);
    if (!name) {
        return name.error();
    }
    if (offset + 4 > msg.size()) {
        return wire_error{offset, "question ends before its type and class"};
    }
    return wire_result<std::size_t>(boost::system::in_place_value, offset + 4);
}

} // namespace

void throw_exception_from_error(const wire_error& e, const boost::source_location& loc) {
    boost::throw_exception(std::runtime_error(e.message), loc);
}

std::string canonical_name(std::string_view name) {
    std::string out(name);
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c + ('a' - 'A'));
        }
    }
    return out;
}

wire_result<std::string> read_name(bytes_view msg, std::size_t& offset) {
    std::string out;
    std::size_t pos = offset;
    std::size_t wire_length = 0;
    bool jumped = false;
    // Every pointer must point strictly before the label that holds it, so the walk
    // always moves backwards and cannot loop.
    std::size_t lowest_seen = pos;
    while (true) {
        if (pos >= msg.size()) {
            return wire_error{pos, "name runs past the end of the message"};
        }
        const std::uint8_t len = msg[pos];
        if ((len & pointer_mask) == pointer_mask) {
            if (pos + 1 >= msg.size()) {
                return wire_error{pos, "compression pointer cut short"};
            }
            const std::size_t target = read_u16(msg, pos) & 0x3FFF;
            if (target >= lowest_seen) {
                return wire_error{pos, "compression pointer does not point backwards"};
            }
            if (!jumped) {
                offset = pos + 2;
                jumped = true;
            }
            lowest_seen = target;
            pos = target;
            continue;
        }
        if ((len & pointer_mask) != 0) {
            return wire_error{pos, "unsupported label type"};
        }
        wire_length += std::size_t{len} + 1;
        if (wire_length > max_name_length) {
            return wire_error{pos, "name longer than 255 octets"};
        }
        if (len == 0) {
            if (!jumped) {
                offset = pos + 1;
            }
            return out;
        }
        if (pos + 1 + len > msg.size()) {
            return wire_error{pos, "label runs past the end of the message"};
        }
        if (!out.empty()) {
            out.push_back('.');
        }
        append_label(out, msg.subspan(pos + 1, len));
        pos += 1 + std::size_t{len};
    }
}

wire_result<message> parse_message(bytes_view msg) {
    if (msg.size() < header_size) {
        return wire_error{0, "message shorter than the 12-byte DNS header"};
    }
    message m;
    m.id = read_u16(msg, 0);
    const std::uint16_t flags = read_u16(msg, 2);
    m.is_response = (flags & 0x8000) != 0;
    m.truncated = (flags & 0x0200) != 0;
    m.authentic_data = (flags & 0x0020) != 0;
    m.rcode = static_cast<std::uint8_t>(flags & 0x000F);
    const std::uint16_t question_count = read_u16(msg, 4);
    const std::uint16_t answer_count = read_u16(msg, 6);

    std::size_t offset = header_size;
    for (std::uint16_t i = 0; i < question_count; ++i) {
        auto next = skip_question(msg, offset);
        if (!next) {
            return next.error();
        }
        offset = *next;
    }
    m.answers.reserve(answer_count);
    for (std::uint16_t i = 0; i < answer_count; ++i) {
        resource_record rr;
        auto owner = read_name(msg, offset);
        if (!owner) {
            return wire_error{owner.error().offset,
                              "answer " + std::to_string(i + 1) + ": " + owner.error().message};
        }
        rr.owner = std::move(*owner);
        if (offset + 10 > msg.size()) {
            return wire_error{offset, "answer " + std::to_string(i + 1) +
                                          ": record header runs past the end of the message"};
        }
        rr.type = read_u16(msg, offset);
        rr.rr_class = read_u16(msg, offset + 2);
        rr.ttl = read_u32(msg, offset + 4);
        rr.rdata_length = read_u16(msg, offset + 8);
        rr.rdata_offset = offset + 10;
        if (rr.rdata_offset + rr.rdata_length > msg.size()) {
            return wire_error{rr.rdata_offset, "answer " + std::to_string(i + 1) +
                                                   ": RDATA runs past the end of the message"};
        }
        offset = rr.rdata_offset + rr.rdata_length;
        m.answers.push_back(std::move(rr));
    }
    return m;
}

} // namespace resolver
