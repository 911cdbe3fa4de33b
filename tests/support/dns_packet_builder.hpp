#pragma once
// Hand-built DNS messages for the resolver tests. Two layers: `wire_writer` puts raw bytes,
// labels and compression pointers exactly where a test wants them (loops, forward pointers,
// lying counts), and `dns_packet_builder` assembles ordinary responses record by record.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxprobe_test {

using bytes = std::vector<std::uint8_t>;

/// DNS header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2) as they sit in the 16-bit flags word.
namespace flag {
inline constexpr std::uint16_t qr = 0x8000;
inline constexpr std::uint16_t aa = 0x0400;
inline constexpr std::uint16_t tc = 0x0200;
inline constexpr std::uint16_t rd = 0x0100;
inline constexpr std::uint16_t ra = 0x0080;
inline constexpr std::uint16_t ad = 0x0020;
inline constexpr std::uint16_t cd = 0x0010;
} // namespace flag

namespace rcode {
inline constexpr std::uint8_t noerror = 0;
inline constexpr std::uint8_t formerr = 1;
inline constexpr std::uint8_t servfail = 2;
inline constexpr std::uint8_t nxdomain = 3;
inline constexpr std::uint8_t notimp = 4;
inline constexpr std::uint8_t refused = 5;
} // namespace rcode

namespace qtype {
inline constexpr std::uint16_t a = 1;
inline constexpr std::uint16_t cname = 5;
inline constexpr std::uint16_t mx = 15;
inline constexpr std::uint16_t txt = 16;
inline constexpr std::uint16_t aaaa = 28;
inline constexpr std::uint16_t opt = 41;
inline constexpr std::uint16_t tlsa = 52;
} // namespace qtype

/// Appends big-endian integers, labels and pointers; no validation, so tests can write
/// anything a hostile server could send.
class wire_writer {
  public:
    wire_writer& u8(std::uint8_t v);
    wire_writer& u16(std::uint16_t v);
    wire_writer& u32(std::uint32_t v);
    wire_writer& raw(const bytes& b);
    /// One length-prefixed label; the text is taken byte for byte (dots included).
    wire_writer& label(std::string_view text);
    /// A whole uncompressed name ("" or "." is the root), split on dots.
    wire_writer& name(std::string_view dotted);
    /// A compression pointer to `offset` (RFC 1035 §4.1.4).
    wire_writer& pointer(std::uint16_t offset);
    void patch_u16(std::size_t offset, std::uint16_t v);

    [[nodiscard]] std::size_t size() const { return out_.size(); }
    [[nodiscard]] const bytes& data() const { return out_; }
    bytes take() { return std::move(out_); }

  private:
    bytes out_;
};

/// A DNS header: id, flags word (without RCODE) and RCODE, plus the four section counts.
/// Counts are written as given, so they may lie about what follows.
bytes header(std::uint16_t id, std::uint16_t flags, std::uint8_t rc, std::uint16_t qd,
             std::uint16_t an, std::uint16_t ns = 0, std::uint16_t ar = 0);

/// TXT RDATA from character-strings given one by one (each must be at most 255 bytes).
bytes txt_rdata(const std::vector<std::string>& strings);

/// Splits `text` into 255-byte character-strings, the way zone tools store long TXT data.
std::vector<std::string> split_txt(std::string_view text, std::size_t chunk = 255);

class dns_packet_builder {
  public:
    dns_packet_builder();

    dns_packet_builder& id(std::uint16_t v);
    /// Replaces the whole flags word (QR/AA/TC/RD/RA/AD/CD bits); RCODE is kept apart.
    dns_packet_builder& flags(std::uint16_t v);
    dns_packet_builder& set_flag(std::uint16_t bit, bool on = true);
    dns_packet_builder& rcode(std::uint8_t v);
    /// Use compression pointers for owner names and names inside RDATA (off by default).
    dns_packet_builder& compress(bool on = true);
    dns_packet_builder& question(std::string name, std::uint16_t type, std::uint16_t cls = 1);

    dns_packet_builder& a(std::string owner, std::string_view ipv4, std::uint32_t ttl = 300);
    dns_packet_builder& aaaa(std::string owner, std::string_view ipv6, std::uint32_t ttl = 300);
    dns_packet_builder& mx(std::string owner, std::uint16_t preference, std::string exchange,
                           std::uint32_t ttl = 300);
    dns_packet_builder& txt(std::string owner, const std::vector<std::string>& strings,
                            std::uint32_t ttl = 300);
    dns_packet_builder& tlsa(std::string owner, std::uint8_t usage, std::uint8_t selector,
                             std::uint8_t matching_type, const bytes& data,
                             std::uint32_t ttl = 300);
    dns_packet_builder& cname(std::string owner, std::string target, std::uint32_t ttl = 300);
    dns_packet_builder& raw_rr(std::string owner, std::uint16_t type, bytes rdata,
                               std::uint32_t ttl = 300);

    /// Writes this ANCOUNT instead of the number of records added.
    dns_packet_builder& answer_count(std::uint16_t n);
    /// Bytes appended verbatim after the answer records (garbage, hand-made records).
    dns_packet_builder& trailing(bytes b);

    [[nodiscard]] bytes build() const;
    [[nodiscard]] std::size_t answer_records() const { return answers_.size(); }

  private:
    struct rdata_piece {
        bytes fixed;
        std::optional<std::string> name; // written after `fixed`, compressible
    };
    struct record {
        std::string owner;
        std::uint16_t type = 0;
        std::uint16_t cls = 1;
        std::uint32_t ttl = 0;
        std::vector<rdata_piece> rdata;
    };
    struct question_entry {
        std::string name;
        std::uint16_t type = 0;
        std::uint16_t cls = 1;
    };

    dns_packet_builder& add(record r);

    std::uint16_t id_ = 0;
    std::uint16_t flags_ = 0;
    std::uint8_t rcode_ = 0;
    bool compress_ = false;
    std::optional<std::uint16_t> answer_count_;
    std::vector<question_entry> questions_;
    std::vector<record> answers_;
    bytes trailing_;
};

} // namespace mxprobe_test
