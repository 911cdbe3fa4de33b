#pragma once
// What the fuzz targets share: a check that stops the run with a message (libFuzzer then saves
// the input as a crash), and the JSON dump every target performs on its results.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxprobe_fuzz {

/// An invariant of the parser under test; a broken one is a finding like a crash.
inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
        std::abort();
    }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

/// The input cut at LF: the TXT RRset the record targets judge.
inline std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t start = 0; start <= text.size();) {
        const auto lf = text.find('\n', start);
        out.emplace_back(text.substr(start, lf == std::string_view::npos ? lf : lf - start));
        start = lf == std::string_view::npos ? text.size() + 1 : lf + 1;
    }
    return out;
}

/// Serialises a result the way the command line prints it. Hostile bytes (invalid UTF-8)
/// must come out replaced, never as an exception that loses the whole document.
template <class T> std::string dumped(const T& value) {
    const nlohmann::json j = value;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace mxprobe_fuzz
