#pragma once
// Our own outbound TLS policy: what we would require of a partner's MX before we send it
// mail. Written in targets.yaml (`requirements`) or on the command line (`--require`), and
// checked against scan results by the compatibility matrix.

#include <string>
#include <vector>

namespace policy {

struct outbound_requirements {
    std::string min_version = "TLSv1.2"; ///< "TLSv1", "TLSv1.1", "TLSv1.2" or "TLSv1.3"
    bool require_forward_secrecy = false;
    /// Substrings of OpenSSL suite names that must be neither negotiated nor accepted.
    std::vector<std::string> forbidden_ciphers = {"RC4", "DES-CBC3", "NULL", "EXP",
                                                  "ADH", "AECDH",    "MD5"};
    bool require_valid_certificate = false; ///< WebPKI: trusted, unexpired, name matches
    bool honour_mta_sts = true;             ///< an enforce policy's failures block delivery
    bool honour_dane = true;                ///< DANE failures block delivery
};

} // namespace policy
