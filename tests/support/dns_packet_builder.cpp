#include "tests/support/dns_packet_builder.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <map>
#include <stdexcept>

namespace mxprobe_test {

wire_writer& wire_writer::u8(std::uint8_t v) {
    out_.push_back(v);
    return *this;
}

wire_writer& wire_writer::u16(std::uint16_t v) {
    out_.push_back(static_cast<std::uint8_t>(v >> 8));
    out_.push_back(static_cast<std::uint8_t>(v & 0xff));
    return *this;
}

wire_writer& wire_writer::u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    return u16(static_cast<std::uint16_t>(v & 0xffff));
}

wire_writer& wire_writer::raw(const bytes& b) {
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
}

wire_writer& wire_writer::label(std::string_view text) {
    u8(static_cast<std::uint8_t>(text.size()));
    out_.insert(out_.end(), text.begin(), text.end());
    return *this;
}

namespace {

std::vector<std::string> split_labels(std::string_view dotted) {
    std::vector<std::string> labels;
    if (dotted.empty() || dotted == ".") {
        return labels;
    }
    if (dotted.back() == '.') {
        dotted.remove_suffix(1);
    }
    std::size_t start = 0;
    while (true) {
        auto dot = dotted.find('.', start);
        labels.emplace_back(dotted.substr(start, dot - start));
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    return labels;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string join_from(const std::vector<std::string>& labels, std::size_t first) {
    std::string out;
    for (std::size_t i = first; i < labels.size(); ++i) {
        if (!out.empty()) {
            out += '.';
        }
        out += labels[i];
    }
    return lower(out);
}

// Writes `dotted` at the end of `w`, pointing at an earlier copy of the longest suffix
// already written when compression is on, and remembering the suffixes it writes.
void write_name(wire_writer& w, std::string_view dotted, bool compress,
                std::map<std::string, std::uint16_t>& seen) {
    auto labels = split_labels(dotted);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        auto suffix = join_from(labels, i);
        if (compress) {
            if (auto it = seen.find(suffix); it != seen.end()) {
                w.pointer(it->second);
                return;
            }
            if (w.size() < 0x3fff) {
                seen.emplace(suffix, static_cast<std::uint16_t>(w.size()));
            }
        }
        w.label(labels[i]);
    }
    w.u8(0);
}

} // namespace

wire_writer& wire_writer::name(std::string_view dotted) {
    for (const auto& l : split_labels(dotted)) {
        label(l);
    }
    return u8(0);
}

wire_writer& wire_writer::pointer(std::uint16_t offset) {
    return u16(static_cast<std::uint16_t>(0xc000 | (offset & 0x3fff)));
}

void wire_writer::patch_u16(std::size_t offset, std::uint16_t v) {
    out_.at(offset) = static_cast<std::uint8_t>(v >> 8);
    out_.at(offset + 1) = static_cast<std::uint8_t>(v & 0xff);
}

bytes header(std::uint16_t id, std::uint16_t flags, std::uint8_t rc, std::uint16_t qd,
             std::uint16_t an, std::uint16_t ns, std::uint16_t ar) {
    wire_writer w;
    w.u16(id).u16(static_cast<std::uint16_t>((flags & 0xfff0) | (rc & 0x0f)));
    w.u16(qd).u16(an).u16(ns).u16(ar);
    return w.take();
}

bytes txt_rdata(const std::vector<std::string>& strings) {
    wire_writer w;
    for (const auto& s : strings) {
        if (s.size() > 255) {
            throw std::invalid_argument("TXT character-string longer than 255 bytes");
        }
        w.label(s);
    }
    return w.take();
}

std::vector<std::string> split_txt(std::string_view text, std::size_t chunk) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size(); i += chunk) {
        out.emplace_back(text.substr(i, chunk));
    }
    return out;
}

dns_packet_builder::dns_packet_builder() : flags_(flag::qr | flag::rd | flag::ra) {}

dns_packet_builder& dns_packet_builder::id(std::uint16_t v) {
    id_ = v;
    return *this;
}

dns_packet_builder& dns_packet_builder::flags(std::uint16_t v) {
    flags_ = static_cast<std::uint16_t>(v & 0xfff0);
    return *this;
}

dns_packet_builder& dns_packet_builder::set_flag(std::uint16_t bit, bool on) {
    flags_ =
        on ? static_cast<std::uint16_t>(flags_ | bit) : static_cast<std::uint16_t>(flags_ & ~bit);
    return *this;
}

dns_packet_builder& dns_packet_builder::rcode(std::uint8_t v) {
    rcode_ = v;
    return *this;
}

dns_packet_builder& dns_packet_builder::compress(bool on) {
    compress_ = on;
    return *this;
}

dns_packet_builder& dns_packet_builder::question(std::string name, std::uint16_t type,
                                                 std::uint16_t cls) {
    questions_.push_back({std::move(name), type, cls});
    return *this;
}

dns_packet_builder& dns_packet_builder::add(record r) {
    answers_.push_back(std::move(r));
    return *this;
}

dns_packet_builder& dns_packet_builder::a(std::string owner, std::string_view ipv4,
                                          std::uint32_t ttl) {
    std::array<std::uint8_t, 4> addr{};
    if (inet_pton(AF_INET, std::string(ipv4).c_str(), addr.data()) != 1) {
        throw std::invalid_argument("not an IPv4 address: " + std::string(ipv4));
    }
    return add({std::move(owner), qtype::a, 1, ttl, {{bytes(addr.begin(), addr.end()), {}}}});
}

dns_packet_builder& dns_packet_builder::aaaa(std::string owner, std::string_view ipv6,
                                             std::uint32_t ttl) {
    std::array<std::uint8_t, 16> addr{};
    if (inet_pton(AF_INET6, std::string(ipv6).c_str(), addr.data()) != 1) {
        throw std::invalid_argument("not an IPv6 address: " + std::string(ipv6));
    }
    return add({std::move(owner), qtype::aaaa, 1, ttl, {{bytes(addr.begin(), addr.end()), {}}}});
}

dns_packet_builder& dns_packet_builder::mx(std::string owner, std::uint16_t preference,
                                           std::string exchange, std::uint32_t ttl) {
    wire_writer pref;
    pref.u16(preference);
    return add({std::move(owner), qtype::mx, 1, ttl, {{pref.take(), std::move(exchange)}}});
}

dns_packet_builder& dns_packet_builder::txt(std::string owner,
                                            const std::vector<std::string>& strings,
                                            std::uint32_t ttl) {
    return add({std::move(owner), qtype::txt, 1, ttl, {{txt_rdata(strings), {}}}});
}

dns_packet_builder& dns_packet_builder::tlsa(std::string owner, std::uint8_t usage,
                                             std::uint8_t selector, std::uint8_t matching_type,
                                             const bytes& data, std::uint32_t ttl) {
    wire_writer w;
    w.u8(usage).u8(selector).u8(matching_type).raw(data);
    return add({std::move(owner), qtype::tlsa, 1, ttl, {{w.take(), {}}}});
}

dns_packet_builder& dns_packet_builder::cname(std::string owner, std::string target,
                                              std::uint32_t ttl) {
    return add({std::move(owner), qtype::cname, 1, ttl, {{{}, std::move(target)}}});
}

dns_packet_builder& dns_packet_builder::raw_rr(std::string owner, std::uint16_t type, bytes rdata,
                                               std::uint32_t ttl) {
    return add({std::move(owner), type, 1, ttl, {{std::move(rdata), {}}}});
}

dns_packet_builder& dns_packet_builder::answer_count(std::uint16_t n) {
    answer_count_ = n;
    return *this;
}

dns_packet_builder& dns_packet_builder::trailing(bytes b) {
    trailing_ = std::move(b);
    return *this;
}

bytes dns_packet_builder::build() const {
    wire_writer w;
    auto an = answer_count_.value_or(static_cast<std::uint16_t>(answers_.size()));
    w.raw(header(id_, flags_, rcode_, static_cast<std::uint16_t>(questions_.size()), an));
    std::map<std::string, std::uint16_t> seen;
    for (const auto& q : questions_) {
        write_name(w, q.name, compress_, seen);
        w.u16(q.type).u16(q.cls);
    }
    for (const auto& rr : answers_) {
        write_name(w, rr.owner, compress_, seen);
        w.u16(rr.type).u16(rr.cls).u32(rr.ttl);
        auto length_at = w.size();
        w.u16(0);
        for (const auto& piece : rr.rdata) {
            w.raw(piece.fixed);
            if (piece.name) {
                write_name(w, *piece.name, compress_, seen);
            }
        }
        w.patch_u16(length_at, static_cast<std::uint16_t>(w.size() - length_at - 2));
    }
    w.raw(trailing_);
    return w.take();
}

} // namespace mxprobe_test
