#include "tools/mxprobe/severity_text.hpp"

namespace mxprobe {

const char* paint(bool colour, policy::severity s) {
    if (!colour) {
        return "";
    }
    switch (s) {
    case policy::severity::ok:
        return "\033[32m";
    case policy::severity::warning:
        return "\033[33m";
    case policy::severity::critical:
        return "\033[31m";
    case policy::severity::unknown:
        return "\033[35m";
    }
    return "";
}

const char* verdict_word(policy::severity s) {
    switch (s) {
    case policy::severity::ok:
        return "OK";
    case policy::severity::warning:
        return "WARNING";
    case policy::severity::critical:
        return "CRITICAL";
    case policy::severity::unknown:
        return "UNKNOWN";
    }
    return "UNKNOWN";
}

} // namespace mxprobe
