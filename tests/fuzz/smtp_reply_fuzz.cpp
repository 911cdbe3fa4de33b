// libFuzzer target: SMTP reply framing and EHLO keywords (probe/smtp_reply.*) on whatever a
// server might send. The input is read as a stream of replies, as the session does, with the
// default limits and with tight ones; read one byte at a time it must give the same replies,
// since TCP may cut a reply anywhere.

#include "probe/smtp_reply.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mxprobe_fuzz::require;

struct reading {
    std::vector<probe::smtp_reply> replies;
    probe::reply_error error = probe::reply_error::none;
    std::size_t consumed = 0;
};

bool same(const probe::smtp_reply& a, const probe::smtp_reply& b) {
    return a.code == b.code && a.lines == b.lines && a.enhanced_status == b.enhanced_status &&
           a.bare_lf == b.bare_lf;
}

bool has_lower_case(std::string_view s) {
    for (char c : s) {
        if (c >= 'a' && c <= 'z') {
            return true;
        }
    }
    return false;
}

void check_reply(const probe::smtp_reply& r, const probe::reply_limits& limits) {
    require(r.code >= 200 && r.code <= 559, "reply code outside 2xx-5xx");
    require(!r.lines.empty(), "a complete reply has at least one line");
    require(r.lines.size() <= limits.max_lines, "more lines than max_lines");
    std::size_t total = 0;
    for (const auto& line : r.lines) {
        require(line.size() + 4 <= limits.max_line_length, "line longer than max_line_length");
        total += line.size();
    }
    require(total <= limits.max_bytes, "reply larger than max_bytes");
    require(r.enhanced_status.empty() || r.lines.front().rfind(r.enhanced_status, 0) == 0,
            "enhanced status not taken from the first line");
    (void)r.text();
    for (const auto& keyword : probe::ehlo_keywords(r)) {
        require(!keyword.empty(), "empty EHLO keyword");
        const std::string_view token = std::string_view(keyword).substr(0, keyword.find(' '));
        require(!has_lower_case(token), "EHLO keyword not upper-cased");
        require(probe::has_ehlo_keyword(r, token), "a listed EHLO keyword is not found");
    }
    (void)probe::has_ehlo_keyword(r, "STARTTLS");
}

// Feeds `bytes` in pieces of `chunk` octets; after each complete reply the reader is reset and
// fed what is left, the way the session reads greeting, EHLO and STARTTLS replies in a row.
reading read_stream(std::string_view bytes, const probe::reply_limits& limits, std::size_t chunk) {
    reading out;
    probe::reply_reader reader(limits);
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::string_view piece = bytes.substr(pos, chunk);
        const std::size_t used = reader.feed(piece);
        require(used <= piece.size(), "feed consumed more than it was given");
        pos += used;
        if (reader.error() != probe::reply_error::none) {
            require(!probe::to_string(reader.error()).empty(), "error without a name");
            break;
        }
        if (reader.complete()) {
            check_reply(reader.reply(), limits);
            out.replies.push_back(reader.reply());
            reader.reset();
            continue;
        }
        require(used == piece.size(), "an unfinished reader left input unconsumed");
    }
    out.error = reader.error();
    out.consumed = pos;
    return out;
}

void check_limits(std::string_view bytes, const probe::reply_limits& limits) {
    const reading bulk = read_stream(bytes, limits, bytes.size());
    const reading trickle = read_stream(bytes, limits, 1);
    require(bulk.error == trickle.error, "byte-wise reading ends in another error");
    require(bulk.consumed == trickle.consumed, "byte-wise reading consumes another amount");
    require(bulk.replies.size() == trickle.replies.size(), "byte-wise reading: other replies");
    for (std::size_t i = 0; i < bulk.replies.size(); ++i) {
        require(same(bulk.replies[i], trickle.replies[i]), "byte-wise reading: other reply");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes = mxprobe_fuzz::as_text(data, size);
    check_limits(bytes, probe::reply_limits{});
    check_limits(bytes,
                 probe::reply_limits{.max_line_length = 64, .max_lines = 8, .max_bytes = 512});
    return 0;
}
