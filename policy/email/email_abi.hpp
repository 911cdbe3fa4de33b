#pragma once
// The one entry point of libmxprobe-email.so, the GMime part of TLS-RPT unwrapping. GMime and
// the twelve libraries it pulls in (GLib, GIO, gpgme, ...) cost every mxprobe run about 2 ms;
// only an email report needs them, so the module is loaded on first use (policy/email_module.cpp).
// Plain C types cross the boundary: nothing is allocated on one side and freed on the other.

#include <cstddef>

extern "C" {

/// What the module hands back: the decoded report part, or why there is none.
enum mxprobe_email_answer { mxprobe_email_report_part = 0, mxprobe_email_error = 1 };

/// Called once per call of the entry point; `bytes` is valid only during the call.
using mxprobe_email_sink = void (*)(void* context, mxprobe_email_answer answer, const char* bytes,
                                    std::size_t size);

/// Finds the report part of a multipart/report email and undoes its transfer encoding.
using mxprobe_email_find_report_fn = void (*)(const char* message, std::size_t size,
                                              mxprobe_email_sink sink, void* context);
}

namespace policy::email {

/// The symbol's name, and the module's file name (in the build tree's lib/).
inline constexpr const char* entry_symbol = "mxprobe_email_find_report";
inline constexpr const char* module_file = "libmxprobe-email.so";

} // namespace policy::email
