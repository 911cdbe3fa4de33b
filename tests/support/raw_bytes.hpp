#pragma once
// Bytes written out by hand in a test: TLS records as lists of octets, DNS RDATA as hex
// text. One copy for all test files, which a unity build compiles several to a translation
// unit.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mxprobe_test {

/// The octets `values` (each 0..255) as a string, as TLS records travel on the wire.
std::string byte_string(std::initializer_list<int> values);

/// Hex text ("0a1b...") as bytes; a trailing odd digit is ignored.
std::vector<std::uint8_t> from_hex(const std::string& hex);

} // namespace mxprobe_test
