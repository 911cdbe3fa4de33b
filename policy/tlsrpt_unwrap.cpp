#include "policy/tlsrpt_unwrap.hpp"

#include <array>
#include <memory>
#include <zlib.h>

#include <climits>

namespace policy {

namespace {

bool starts_like_json(std::string_view bytes) {
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
        bytes.remove_prefix(3); // a UTF-8 byte-order mark
    }
    for (char c : bytes) {
        if (c == '{' || c == '[') {
            return true;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            return false;
        }
    }
    return false;
}

} // namespace

bool is_gzip(std::string_view bytes) {
    return bytes.size() >= 2 && bytes.substr(0, 2) == "\x1f\x8b";
}

tlsrpt_unwrapped gunzip(std::string_view bytes, std::size_t max_output) {
    tlsrpt_unwrapped out;
    out.container = "gzip";
    z_stream zs{};
    // 16 + MAX_WBITS: a gzip wrapper only; a zlib or raw deflate stream is an error.
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        out.error = "gzip: cannot initialise zlib";
        return out;
    }
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(bytes.size(), UINT_MAX));
    std::array<char, std::size_t{64} * 1024> chunk{};
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            out.error = std::string("gzip: ") + (zs.msg ? zs.msg : "corrupt or truncated data");
            out.json.clear();
            return out;
        }
        const std::size_t produced = chunk.size() - zs.avail_out;
        if (out.json.size() + produced > max_output) {
            out.error = "gzip: decompressed size exceeds the limit of " +
                        std::to_string(max_output) + " bytes";
            out.json.clear();
            return out;
        }
        out.json.append(chunk.data(), produced);
        if (rc == Z_OK && produced == 0 && zs.avail_in == 0) {
            out.error = "gzip: truncated data";
            out.json.clear();
            return out;
        }
    }
    return out;
}

// report_part_from_email is in email_module.cpp, by way of the GMime module.

tlsrpt_unwrapped unwrap_tlsrpt(std::string_view bytes, std::size_t max_decompressed) {
    if (is_gzip(bytes)) {
        return gunzip(bytes, max_decompressed);
    }
    if (starts_like_json(bytes)) {
        return {std::string(bytes), {}, "json"};
    }
    auto part = report_part_from_email(bytes);
    if (!part.error.empty() || !is_gzip(part.json)) {
        return part;
    }
    auto inner = gunzip(part.json, max_decompressed);
    inner.container = "email+gzip";
    return inner;
}

} // namespace policy
