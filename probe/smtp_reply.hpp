#pragma once
// Sans-io SMTP reply reading (RFC 5321 §4.2): framing of multi-line replies, reply codes,
// enhanced status codes and EHLO keywords. No sockets: the probe feeds received bytes in
// and takes complete replies out, so every rule here is tested with plain tables.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

struct reply_limits {
    std::size_t max_line_length =
        4096; ///< octets, CR LF included; RFC 5321 allows 512, real servers exceed it
    std::size_t max_lines = 100;
    std::size_t max_bytes = std::size_t{64} * 1024;
};

struct smtp_reply {
    int code = 0;                   ///< e.g. 250
    std::vector<std::string> lines; ///< text after "NNN-" / "NNN ", CR LF removed
    std::string enhanced_status;    ///< "2.0.0" when the first line starts with one
    bool bare_lf = false;           ///< some line ended in LF without CR (a server defect)

    [[nodiscard]] bool is_positive() const { return code >= 200 && code < 300; }
    [[nodiscard]] std::string text() const; ///< lines joined with " / "
};

enum class reply_error {
    none,
    line_too_long,
    too_many_lines,
    too_many_bytes,
    bad_code,      ///< not three digits in 2xx-5xx (SMTP-1, SMTP-7)
    bad_separator, ///< fourth character neither '-', ' ' nor end of line
    code_changed,  ///< a continuation line carries a different code (SMTP-4)
};

std::string_view to_string(reply_error e);

/// Accumulates bytes and cuts them into replies. After an error the reader stays failed.
class reply_reader {
  public:
    explicit reply_reader(reply_limits limits = {}) : limits_(limits) {}

    /// Appends received bytes; returns how many were consumed. Bytes after the end of a
    /// complete reply are left unconsumed, so the caller can see a server that talks ahead
    /// (which matters right after "220 Ready to start TLS", TLS-4).
    std::size_t feed(std::string_view bytes);

    [[nodiscard]] bool complete() const { return complete_; }
    [[nodiscard]] reply_error error() const { return error_; }
    [[nodiscard]] const smtp_reply& reply() const { return reply_; }

    /// Clears a complete reply so the next one can be read.
    void reset();

  private:
    void finish_line();

    reply_limits limits_;
    std::string line_;
    std::size_t bytes_ = 0;
    smtp_reply reply_;
    bool complete_ = false;
    reply_error error_ = reply_error::none;
};

/// EHLO keywords from a 250 reply: every line but the first (SMTP-18), upper-cased keyword
/// followed by its parameters as sent, e.g. {"STARTTLS", "SIZE 10240000"}.
std::vector<std::string> ehlo_keywords(const smtp_reply& reply);

/// Whether `keyword` is among the EHLO lines (case-insensitive, whole keyword: SMTP-17).
bool has_ehlo_keyword(const smtp_reply& reply, std::string_view keyword);

} // namespace probe
