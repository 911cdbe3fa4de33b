// Scalar values of the configuration: durations and domain names, shared by targets.yaml
// and the command line.

#include "tools/mxprobe/targets_file.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace mxprobe {

std::chrono::milliseconds parse_duration(const std::string& text) {
    if (text.empty()) {
        throw std::invalid_argument("empty duration");
    }
    if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
        if (text.size() > 9) {
            throw std::invalid_argument("duration '" + text + "' is too long");
        }
        return std::chrono::seconds(std::stoll(text));
    }
    long long total_ms = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t digits = i;
        while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
            ++digits;
        }
        if (digits == i || digits - i > 9) {
            throw std::invalid_argument("duration '" + text +
                                        "' is not like 30s, 500ms, 10m, 6h or 1d");
        }
        const long long n = std::stoll(text.substr(i, digits - i));
        std::size_t unit_end = digits;
        while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) {
            ++unit_end;
        }
        const std::string unit = text.substr(digits, unit_end - digits);
        long long scale = 0;
        if (unit == "ms") {
            scale = 1;
        } else if (unit == "s") {
            scale = 1000;
        } else if (unit == "m") {
            scale = 60'000;
        } else if (unit == "h") {
            scale = 3'600'000;
        } else if (unit == "d") {
            scale = 86'400'000;
        } else {
            // NOLINTNEXTLINE(performance-inefficient-string-concatenation): built once, thrown
            throw std::invalid_argument("duration '" + text + "': unknown unit '" + unit +
                                        "' (use ms, s, m, h or d)");
        }
        if (n > std::numeric_limits<long long>::max() / scale - total_ms) {
            throw std::invalid_argument("duration '" + text + "' is too long");
        }
        total_ms += n * scale;
        i = unit_end;
    }
    return std::chrono::milliseconds(total_ms);
}

std::string normalise_domain(const std::string& text) {
    std::string name = text;
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.empty()) {
        throw std::invalid_argument("empty domain name");
    }
    if (name.size() > 253) {
        throw std::invalid_argument("domain name longer than 253 characters");
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t end = std::min(name.find('.', start), name.size());
        const std::size_t length = end - start;
        if (length == 0) {
            throw std::invalid_argument("'" + text + "' has an empty label");
        }
        if (length > 63) {
            throw std::invalid_argument("'" + text + "' has a label longer than 63 characters");
        }
        for (std::size_t k = start; k < end; ++k) {
            const unsigned char c = static_cast<unsigned char>(name[k]);
            if (!std::isalnum(c) && c != '-' && c != '_') {
                throw std::invalid_argument("'" + text + "' is not a domain name (character '" +
                                            std::string(1, static_cast<char>(c)) +
                                            "'; write IDNs as A-labels, xn--...)");
            }
        }
        start = end + 1;
    }
    return name;
}

} // namespace mxprobe
