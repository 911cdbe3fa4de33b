#pragma once
// Substring checks on the texts a test reads back (messages, notes, command output). One
// copy for every test file: in a unity build several files share one translation unit, and
// a helper each of them defined for itself would be defined twice.

#include <string>

namespace mxprobe_test {

/// Whether `part` occurs anywhere in `text` (std::string::contains is C++23).
inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace mxprobe_test
