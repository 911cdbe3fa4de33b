#pragma once
// The private key that goes with a candidate certificate, reduced at once to its public half:
// only the DER SubjectPublicKeyInfo and a description are kept, so the secret never outlives
// the parse. PEM (PKCS#8 or the traditional RSA/EC forms, also inside a combined key+chain
// file) or DER. Encrypted keys are refused with a clear message rather than prompting.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

inline constexpr std::size_t max_key_file_bytes = std::size_t{256} * 1024;

struct key_file {
    std::string source;
    std::string key_type; ///< "RSA", "EC", "ED25519", ...
    int key_bits = 0;
    std::vector<std::uint8_t> spki_der; ///< DER SubjectPublicKeyInfo of the key's public half
    std::string spki_sha256;            ///< lower-case hex, comparable with cert_info
};

struct key_file_result {
    std::optional<key_file> key;
    std::string error; ///< set when `key` is empty, naming the source
};

/// Parses a private key from `bytes`. Never throws for malformed input.
key_file_result parse_key_file(std::span<const std::uint8_t> bytes, std::string_view source);

/// Reads at most max_key_file_bytes from `path`, parses them, and wipes the buffer.
key_file_result read_key_file(const std::string& path);

} // namespace probe
