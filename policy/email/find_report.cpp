// libmxprobe-email.so: the report part of a TLS-RPT email, found with GMime. Loaded by
// policy/email_module.cpp on first use; see email_abi.hpp for why it is a module of its own.

#include "policy/email/email_abi.hpp"

#include <gmime/gmime.h>
#include <memory>
#include <string_view>
#include <type_traits>

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

void say_error(mxprobe_email_sink sink, void* context, std::string_view text) {
    sink(context, mxprobe_email_error, text.data(), text.size());
}

} // namespace

extern "C" __attribute__((visibility("default"))) void
mxprobe_email_find_report(const char* message, std::size_t size, mxprobe_email_sink sink,
                          void* context) {
    ensure_gmime();
    gobject_ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(message, size));
    gobject_ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    gobject_ptr<GMimeMessage> parsed(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!parsed) {
        say_error(sink, context, "neither JSON, gzip nor an email");
        return;
    }
    GMimePart* part = nullptr;
    int rank = 0;
    find_report_part(g_mime_message_get_mime_part(parsed.get()), 0, part, rank);
    if (part == nullptr) {
        say_error(sink, context,
                  "email without an application/tlsrpt+gzip, +json or application/tlsrpt part");
        return;
    }
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content == nullptr) {
        say_error(sink, context, "email: the report part is empty");
        return;
    }
    // Writing the wrapper to a stream undoes the Content-Transfer-Encoding (base64, ...).
    gobject_ptr<GMimeStream> decoded(g_mime_stream_mem_new());
    if (g_mime_data_wrapper_write_to_stream(content, decoded.get()) < 0) {
        say_error(sink, context, "email: cannot decode the report part");
        return;
    }
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(decoded.get()));
    sink(context, mxprobe_email_report_part, reinterpret_cast<const char*>(bytes->data),
         bytes->len);
}

static_assert(std::is_same_v<decltype(&mxprobe_email_find_report), mxprobe_email_find_report_fn>,
              "the entry point must keep the signature email_abi.hpp gives the loader");
