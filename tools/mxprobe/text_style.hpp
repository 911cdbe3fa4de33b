#pragma once
// How the human output shows a verdict: OK / WARNING / CRITICAL / UNKNOWN, in colour when
// writing to a terminal (and NO_COLOR is not set), plain otherwise.

#include "policy/finding.hpp"

#include <string>

namespace mxprobe {

class text_style {
  public:
    explicit text_style(bool colour) : colour_(colour) {}

    /// "OK", "WARNING", "CRITICAL" or "UNKNOWN", coloured.
    [[nodiscard]] std::string verdict(policy::severity s) const;
    /// The same, padded to `width` columns (the padding outside the colour codes).
    [[nodiscard]] std::string padded_verdict(policy::severity s, std::size_t width) const;
    /// "ok", "warning", "critical" or "unknown", coloured.
    [[nodiscard]] std::string severity_word(policy::severity s) const;
    [[nodiscard]] std::string paint(policy::severity s, const std::string& text) const;

  private:
    bool colour_;
};

/// Upper-case verdict word of a severity.
const char* verdict_word(policy::severity s);

/// Whether standard output (or error, for `fd` 2) should get colour.
bool use_colour(int fd);

} // namespace mxprobe
