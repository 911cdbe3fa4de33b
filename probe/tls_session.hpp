#pragma once
// What was negotiated on one TLS connection, as plain data.

#include "probe/cert_info.hpp"

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

struct ssl_st;

namespace probe {

/// Certificates of a presented chain kept as cert_info. Real chains hold two to four; the
/// whole chain is still verified, only the description of the rest is dropped.
inline constexpr std::size_t max_kept_chain = 16;

struct tls_session {
    std::string version;         ///< OpenSSL's name: "TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"
    std::string cipher;          ///< OpenSSL's name, e.g. "ECDHE-RSA-AES256-GCM-SHA384"
    std::string cipher_standard; ///< the IANA name, e.g. "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    int cipher_bits = 0;
    std::string group;                ///< key-exchange group, e.g. "x25519"; empty without (EC)DHE
    std::string server_temp_key;      ///< e.g. "X25519 253 bits", "DH 2048 bits"
    std::string server_temp_key_type; ///< "X25519", "EC", "DH", ...; empty without one
    int server_temp_key_bits = 0;     ///< the size policy judges (a DH group's prime)
    bool forward_secrecy = false;     ///< ephemeral key exchange (always with TLS 1.3)
    bool anonymous = false;           ///< an aNULL suite: the server presented no certificate
    bool ocsp_stapled = false;
    std::vector<cert_info> chain;    ///< as presented, leaf first; at most max_kept_chain
    std::size_t chain_presented = 0; ///< certificates the server sent, also those not kept
};

/// Reads the negotiated parameters and the presented chain from a finished handshake.
tls_session describe_session(ssl_st* ssl);

void to_json(nlohmann::json& j, const tls_session& s);

} // namespace probe
