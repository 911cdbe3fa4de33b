#include "policy/tlsrpt_unwrap.hpp"

#include <array>
#include <gmime/gmime.h>
#include <memory>
#include <zlib.h>

#include <climits>

namespace policy {

namespace {

// GMime keeps process-wide tables; initialise them once, on first use, and give them back
// at exit so leak checkers see a clean shutdown. A function-local static is thread-safe.
void ensure_gmime() {
    struct gmime_library {
        gmime_library() { g_mime_init(); }
        ~gmime_library() { g_mime_shutdown(); }
        gmime_library(const gmime_library&) = delete;
        gmime_library& operator=(const gmime_library&) = delete;
    };
    static const gmime_library library;
}

struct gobject_unref {
    void operator()(void* p) const { g_object_unref(p); }
};
template <class T> using gobject_ptr = std::unique_ptr<T, gobject_unref>;

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

// The media types of RFC 8460 §6.4/§6.5, plus the bare "application/tlsrpt" some reporters
// send; generic types count only when the file name says it is a report.
int part_rank(GMimeObject* object) {
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (type == nullptr || !g_mime_content_type_is_type(type, "application", "*")) {
        return 0;
    }
    const std::string_view subtype = g_mime_content_type_get_media_subtype(type);
    if (subtype == "tlsrpt+gzip" || subtype == "tlsrpt+json" || subtype == "tlsrpt") {
        return 2;
    }
    const char* name =
        GMIME_IS_PART(object) ? g_mime_part_get_filename(GMIME_PART(object)) : nullptr;
    const std::string_view file = name ? name : "";
    const bool report_name = file.ends_with(".json") || file.ends_with(".json.gz");
    return report_name ? 1 : 0;
}

void find_report_part(GMimeObject* object, int depth, GMimePart*& best, int& best_rank) {
    if (object == nullptr || depth > 16) {
        return;
    }
    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart* multipart = GMIME_MULTIPART(object);
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count; ++i) {
            find_report_part(g_mime_multipart_get_part(multipart, i), depth + 1, best, best_rank);
        }
    } else if (GMIME_IS_MESSAGE_PART(object)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        if (inner != nullptr) {
            find_report_part(g_mime_message_get_mime_part(inner), depth + 1, best, best_rank);
        }
    } else if (GMIME_IS_PART(object)) {
        const int rank = part_rank(object);
        if (rank > best_rank) {
            best = GMIME_PART(object);
            best_rank = rank;
        }
    }
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
    std::array<char, 64 * 1024> chunk{};
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

tlsrpt_unwrapped report_part_from_email(std::string_view message) {
    ensure_gmime();
    tlsrpt_unwrapped out;
    out.container = "email";
    gobject_ptr<GMimeStream> stream(
        g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
    gobject_ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    gobject_ptr<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!parsed) {
        out.error = "neither JSON, gzip nor an email";
        return out;
    }
    GMimePart* part = nullptr;
    int rank = 0;
    find_report_part(g_mime_message_get_mime_part(parsed.get()), 0, part, rank);
    if (part == nullptr) {
        out.error = "email without an application/tlsrpt+gzip, +json or application/tlsrpt part";
        return out;
    }
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content == nullptr) {
        out.error = "email: the report part is empty";
        return out;
    }
    // Writing the wrapper to a stream undoes the Content-Transfer-Encoding (base64, ...).
    gobject_ptr<GMimeStream> decoded(g_mime_stream_mem_new());
    if (g_mime_data_wrapper_write_to_stream(content, decoded.get()) < 0) {
        out.error = "email: cannot decode the report part";
        return out;
    }
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(decoded.get()));
    out.json.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
    return out;
}

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
