#pragma once
// Getting the report JSON out of what a reporter sent: gzip (zlib) and email (GMime, in
// libmxprobe-email.so, loaded on first use: policy/email_module.cpp).
// Pure: bytes in, bytes out, bounded output.

#include <cstddef>
#include <string>
#include <string_view>

namespace policy {

struct tlsrpt_unwrapped {
    std::string json;      ///< the report's JSON text, when found
    std::string error;     ///< why not, otherwise
    std::string container; ///< "json", "gzip", "email" or "email+gzip"
};

/// gzip's magic bytes 1f 8b (RFC 1952 §2.3.1).
bool is_gzip(std::string_view bytes);

/// Inflates one gzip stream; fails instead of producing more than `max_output` bytes.
tlsrpt_unwrapped gunzip(std::string_view bytes, std::size_t max_output);

/// Finds the report part of a multipart/report email and decodes its transfer encoding.
/// The part may still be gzip; the caller checks.
tlsrpt_unwrapped report_part_from_email(std::string_view message);

/// JSON, gzip or email, told apart by content; returns the JSON text.
tlsrpt_unwrapped unwrap_tlsrpt(std::string_view bytes, std::size_t max_decompressed);

} // namespace policy
