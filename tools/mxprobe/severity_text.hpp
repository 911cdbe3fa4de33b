#pragma once
// How a verdict looks on a terminal: the word and its colour, shared by every subcommand's
// human output.

#include "policy/finding.hpp"

namespace mxprobe {

/// "OK", "WARNING", "CRITICAL", "UNKNOWN".
const char* verdict_word(policy::severity s);

/// The ANSI colour of a verdict; "" when colour is off.
const char* paint(bool colour, policy::severity s);

/// The ANSI reset after paint(); "" when colour is off.
inline const char* paint_reset(bool colour) {
    return colour ? "\033[0m" : "";
}

} // namespace mxprobe
