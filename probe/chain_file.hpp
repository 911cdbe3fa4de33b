#pragma once
// A certificate chain file as an administrator hands it over before deployment: PEM (one or
// more CERTIFICATE blocks, maybe with a key or other blocks in between) or DER (one or more
// certificates back to back), leaf first or not. The parser is a pure function of the bytes,
// so it can be fuzzed; reading the file is a thin, size-bounded wrapper around it. Every error
// names the file and, where one is at fault, the certificate by its 1-based index.

#include "probe/cert_info.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

/// Real chains are a few KiB; a file far larger than any chain is a mistake or an attack.
inline constexpr std::size_t max_chain_file_bytes = std::size_t{256} * 1024;
/// A leaf, a few intermediates and perhaps a root; more is not a chain.
inline constexpr std::size_t max_chain_certificates = 16;

enum class chain_encoding { pem, der };

std::string_view to_string(chain_encoding e);

struct chain_file {
    std::string source; ///< the name used in messages (the path)
    chain_encoding encoding = chain_encoding::pem;
    std::vector<cert_info> certificates; ///< in file order
    /// 1-based line of each certificate's BEGIN line (PEM) or its byte offset (DER).
    std::vector<std::size_t> positions;
    /// Blocks that are not certificates and were skipped, e.g. "line 31: a PRIVATE KEY block".
    std::vector<std::string> skipped;
};

struct chain_file_result {
    std::optional<chain_file> file;
    std::string error; ///< set when `file` is empty: "<source>: certificate 2 (line 23): ..."
};

/// Parses PEM or DER from `bytes`. Never throws for malformed input.
chain_file_result parse_chain_file(std::span<const std::uint8_t> bytes, std::string_view source);

/// Reads at most max_chain_file_bytes from `path` and parses them.
chain_file_result read_chain_file(const std::string& path);

/// Reads a whole small file into memory, refusing more than `limit` bytes. Returns false and
/// sets `error` ("<path>: ...") when the file cannot be read or is too large.
bool read_bounded_file(const std::string& path, std::size_t limit, std::vector<std::uint8_t>& out,
                       std::string& error);

} // namespace probe
