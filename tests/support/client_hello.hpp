#pragma once
// Reading a TLS ClientHello record, and answering one by hand: what the in-process fake SMTP
// server needs to play a server whose suites this OpenSSL cannot offer (3DES, RC4), and what
// tests need to look inside the ClientHellos the probe builds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mxprobe_test {

struct client_hello {
    int record_version = 0;
    int version = 0; ///< client_version, e.g. 0x0303
    std::vector<std::uint16_t> suites;
    std::vector<std::uint16_t> extensions; ///< extension types, in order
    std::string server_name;               ///< the SNI host name, "" when none
    std::vector<std::uint16_t> groups;     ///< supported_groups, when sent

    [[nodiscard]] bool has_extension(std::uint16_t type) const;
};

/// Bytes still missing before `bytes` holds one whole TLS record (5 when it is empty).
std::size_t record_bytes_missing(std::string_view bytes);

/// Parses one TLS record holding a ClientHello; nullopt when it is not one or is malformed.
std::optional<client_hello> parse_client_hello(std::string_view record);

/// A ServerHello record choosing `suite` at `version`, with an empty session id and no
/// extensions, as a server that knows suites OpenSSL 3 does not would send it.
std::string server_hello_record(int version, std::uint16_t suite);

/// A fatal alert record (e.g. 40 handshake_failure, 70 protocol_version).
std::string alert_record(int version, int description);

} // namespace mxprobe_test
