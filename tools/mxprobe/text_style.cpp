#include "tools/mxprobe/text_style.hpp"

#include <cstdlib>
#include <unistd.h>

namespace mxprobe {

namespace {

const char* ansi(policy::severity s) {
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

} // namespace

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

std::string text_style::paint(policy::severity s, const std::string& text) const {
    return colour_ ? std::string(ansi(s)) + text + "\033[0m" : text;
}

std::string text_style::verdict(policy::severity s) const {
    return paint(s, verdict_word(s));
}

std::string text_style::padded_verdict(policy::severity s, std::size_t width) const {
    std::string word = verdict_word(s);
    const std::size_t pad = word.size() < width ? width - word.size() : 0;
    return paint(s, word) + std::string(pad, ' ');
}

std::string text_style::severity_word(policy::severity s) const {
    return paint(s, std::string(policy::to_string(s)));
}

bool use_colour(int fd) {
    return isatty(fd) == 1 && std::getenv("NO_COLOR") == nullptr;
}

} // namespace mxprobe
