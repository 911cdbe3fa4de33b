#pragma once
// Which TLS versions, cipher suites and key-exchange groups one server accepts: plain data.

#include <map>
#include <string>
#include <vector>

namespace probe {

struct enumeration_result {
    std::map<std::string, bool> versions; ///< "SSLv3" (raw ClientHello), "TLSv1" ... "TLSv1.3"
    /// Accepted suites per version (OpenSSL names), in the server's order of preference when
    /// `cipher_order` says "server", else in the order we offered them. Suites this OpenSSL
    /// cannot offer (3DES, RC4: see legacy_hello.hpp), found with a hand-made ClientHello,
    /// come after the others.
    std::map<std::string, std::vector<std::string>> ciphers;
    std::map<std::string, std::string> cipher_order; ///< "server", "client" or "single"
    std::vector<std::string> groups;                 ///< accepted key-exchange groups
    bool anonymous_accepted = false;                 ///< an aNULL suite was negotiated
    /// The smallest finite-field group (prime bits) an authenticated DHE suite before TLS 1.3
    /// was negotiated with; 0 when none was. (Anonymous suites: `anonymous_accepted`.)
    int dhe_min_bits = 0;
    int connections = 0;            ///< SMTP connections the enumeration made
    std::vector<std::string> notes; ///< anything that cut it short
};

} // namespace probe
