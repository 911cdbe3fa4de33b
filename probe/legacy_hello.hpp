#pragma once
// Cipher suites this OpenSSL cannot offer, asked for with a hand-made ClientHello. Debian's
// OpenSSL 3 is built without the "weak" suites: 3DES and RC4 are compiled out of libssl's
// suite table, so no cipher string, security level or provider (the legacy provider only
// adds algorithms to libcrypto) brings them back into a ClientHello. Servers on other TLS
// stacks (GnuTLS, older OpenSSL, SChannel) still accept them, and a monitor must say so.
// The server's first record tells which suite it chose; the handshake is never finished.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

struct legacy_suite {
    std::uint16_t code = 0;
    std::string name;      ///< OpenSSL's name for it (as OpenSSL 1.1 spelt it)
    std::string standard;  ///< the IANA name
    bool elliptic = false; ///< ECDHE key exchange or ECDSA: the hello needs supported_groups
};

/// The 3DES and RC4 suites of the TLS registry that the linked OpenSSL does not know (all of
/// them on Debian 12; none on a build with enable-weak-ssl-ciphers, whose normal enumeration
/// then offers them itself).
std::vector<legacy_suite> suites_unknown_to_openssl();

/// One TLS record holding a ClientHello for `version` (TLS1_VERSION ... TLS1_2_VERSION) that
/// offers `suites` and the renegotiation SCSV, with SNI for `host` (when it is a name) and,
/// only when an elliptic suite is offered, supported_groups and ec_point_formats: some
/// servers refuse every non-elliptic suite once a client sends supported_groups without a
/// finite-field group (GnuTLS limited to DHE). TLS 1.2 also gets signature_algorithms.
std::string legacy_client_hello(int version, const std::vector<std::uint16_t>& suites,
                                const std::string& host);

enum class hello_answer_kind {
    server_hello, ///< a ServerHello: `version` and `suite` are what the server chose
    alert,        ///< an alert record: `alert` is its description
    other,        ///< anything else (plaintext, a truncated or malformed record, nothing)
};

struct hello_answer {
    hello_answer_kind kind = hello_answer_kind::other;
    int version = 0; ///< ServerHello.server_version, e.g. 0x0303
    std::uint16_t suite = 0;
    int alert = -1; ///< e.g. 40 handshake_failure, 70 protocol_version
};

/// How many more bytes are needed before read_server_hello can decide; 0 when it can.
std::size_t server_hello_bytes_wanted(std::string_view reply);

/// Reads the first bytes a server sent in answer to a ClientHello.
hello_answer read_server_hello(std::string_view reply);

} // namespace probe
