#include "tests/support/client_hello.hpp"

#include <algorithm>

namespace mxprobe_test {

namespace {

// A cursor over bytes that fails (sets `bad`) rather than read past the end.
struct reader {
    std::string_view data;
    std::size_t at = 0;
    bool bad = false;

    std::size_t take(std::size_t n) {
        std::size_t v = 0;
        if (at + n > data.size()) {
            bad = true;
            return 0;
        }
        for (std::size_t i = 0; i < n; ++i) {
            v = (v << 8) | static_cast<std::uint8_t>(data[at + i]);
        }
        at += n;
        return v;
    }
    std::string_view bytes(std::size_t n) {
        if (at + n > data.size()) {
            bad = true;
            return {};
        }
        const std::string_view out = data.substr(at, n);
        at += n;
        return out;
    }
};

void put16(std::string& out, std::size_t v) {
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
}

void read_extension(client_hello& hello, std::uint16_t type, std::string_view data) {
    reader r{data};
    if (type == 0x0000) { // server_name: list, then (type, name) entries
        r.take(2);
        if (r.take(1) == 0) {
            const std::size_t n = r.take(2);
            const std::string_view name = r.bytes(n);
            if (!r.bad) {
                hello.server_name = std::string(name);
            }
        }
    } else if (type == 0x000A) { // supported_groups
        const std::size_t n = r.take(2);
        for (std::size_t i = 0; i + 2 <= n && !r.bad; i += 2) {
            hello.groups.push_back(static_cast<std::uint16_t>(r.take(2)));
        }
    }
}

} // namespace

bool client_hello::has_extension(std::uint16_t type) const {
    return std::find(extensions.begin(), extensions.end(), type) != extensions.end();
}

std::size_t record_bytes_missing(std::string_view bytes) {
    if (bytes.size() < 5) {
        return 5 - bytes.size();
    }
    const std::size_t total =
        5 + ((static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[3])) << 8) |
             static_cast<std::uint8_t>(bytes[4]));
    return bytes.size() >= total ? 0 : total - bytes.size();
}

std::optional<client_hello> parse_client_hello(std::string_view record) {
    reader r{record};
    client_hello out;
    if (r.take(1) != 0x16) {
        return std::nullopt;
    }
    out.record_version = static_cast<int>(r.take(2));
    const std::size_t record_length = r.take(2);
    if (r.bad || record.size() < 5 + record_length) {
        return std::nullopt;
    }
    reader h{record.substr(5, record_length)};
    if (h.take(1) != 0x01) {
        return std::nullopt;
    }
    const std::size_t length = h.take(3);
    if (h.bad || length + 4 != record_length) {
        return std::nullopt;
    }
    out.version = static_cast<int>(h.take(2));
    h.bytes(32);        // random
    h.bytes(h.take(1)); // session id
    const std::size_t suites = h.take(2);
    for (std::size_t i = 0; i + 2 <= suites && !h.bad; i += 2) {
        out.suites.push_back(static_cast<std::uint16_t>(h.take(2)));
    }
    h.bytes(h.take(1)); // compression methods
    if (h.bad) {
        return std::nullopt;
    }
    if (h.at < h.data.size()) {
        const std::size_t extensions_end = h.at + 2 + h.take(2);
        while (!h.bad && h.at < extensions_end) {
            const auto type = static_cast<std::uint16_t>(h.take(2));
            const std::string_view data = h.bytes(h.take(2));
            out.extensions.push_back(type);
            read_extension(out, type, data);
        }
        if (h.bad || h.at != h.data.size()) {
            return std::nullopt;
        }
    }
    return out;
}

std::string server_hello_record(int version, std::uint16_t suite) {
    std::string body;
    put16(body, static_cast<std::size_t>(version));
    body.append(32, '\x42'); // random
    body.push_back(0);       // no session id
    put16(body, suite);
    body.push_back(0); // null compression
    std::string handshake;
    handshake.push_back(0x02);
    handshake.push_back(0);
    put16(handshake, body.size());
    handshake += body;
    std::string record;
    record.push_back(0x16);
    put16(record, static_cast<std::size_t>(version));
    put16(record, handshake.size());
    return record + handshake;
}

std::string alert_record(int version, int description) {
    std::string record;
    record.push_back(0x15);
    put16(record, static_cast<std::size_t>(version));
    put16(record, 2);
    record.push_back(2); // fatal
    record.push_back(static_cast<char>(description));
    return record;
}

} // namespace mxprobe_test
