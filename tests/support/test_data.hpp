#pragma once
// Reading the checked-in test vectors under tests/data. Header-only: the path comes from
// MXPROBE_SOURCE_DIR, which only the test binaries define, not the support library. One
// copy, so that test files compiled together in a unity build do not define it twice.

#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace mxprobe_test {

/// The bytes of tests/data/<relative>; the test fails when the file cannot be opened.
inline std::string read_test_data(const std::string& relative) {
    std::ifstream in(std::string(MXPROBE_SOURCE_DIR) + "/tests/data/" + relative, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << relative);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// tests/data/<relative> parsed as JSON.
inline nlohmann::json load_json(const std::string& relative) {
    return nlohmann::json::parse(read_test_data(relative));
}

} // namespace mxprobe_test
