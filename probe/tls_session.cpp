#include "probe/tls_session.hpp"

#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"

#include <nlohmann/json.hpp>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>
#include <openssl/tls1.h>

namespace probe {

namespace {

// The server's ephemeral key: its text for people, its type and size for policy.
void read_temp_key(SSL* ssl, tls_session& out) {
    EVP_PKEY* raw = nullptr;
    if (SSL_get_peer_tmp_key(ssl, &raw) != 1 || raw == nullptr) {
        return;
    }
    evp_pkey_ptr key(raw); // get_peer_tmp_key hands over a reference
    const char* name = EVP_PKEY_get0_type_name(key.get());
    out.server_temp_key_type = name != nullptr ? name : "unknown";
    out.server_temp_key_bits = EVP_PKEY_get_bits(key.get());
    out.server_temp_key = out.server_temp_key_type;
    char group[80] = {};
    std::size_t size = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), "group", group, sizeof group, &size) == 1) {
        out.server_temp_key += " " + std::string(group, size);
    }
    out.server_temp_key += " " + std::to_string(out.server_temp_key_bits) + " bits";
}

std::string group_name(SSL* ssl) {
    const int nid = SSL_get_negotiated_group(ssl);
    if (nid == NID_undef || nid == 0) {
        return {};
    }
    const char* name = SSL_group_to_name(ssl, nid);
    return name != nullptr ? name : OBJ_nid2sn(nid);
}

} // namespace

tls_session describe_session(SSL* ssl) {
    openssl_error_guard guard;
    tls_session out;
    out.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
        out.cipher = SSL_CIPHER_get_name(c);
        if (const char* standard = SSL_CIPHER_standard_name(c)) {
            out.cipher_standard = standard;
        }
        out.cipher_bits = SSL_CIPHER_get_bits(c, nullptr);
        const int kx = SSL_CIPHER_get_kx_nid(c);
        out.forward_secrecy = kx == NID_kx_ecdhe || kx == NID_kx_dhe || kx == NID_kx_ecdhe_psk ||
                              kx == NID_kx_dhe_psk || kx == NID_kx_any; // kx_any: TLS 1.3
        out.anonymous = SSL_CIPHER_get_auth_nid(c) == NID_auth_null;
    }
    out.group = group_name(ssl);
    read_temp_key(ssl, out);
    const unsigned char* ocsp = nullptr;
    out.ocsp_stapled = SSL_get_tlsext_status_ocsp_resp(ssl, &ocsp) > 0 && ocsp != nullptr;
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) { // get0-style: borrowed
        out.chain_presented = static_cast<std::size_t>(sk_X509_num(chain));
        for (int i = 0; i < sk_X509_num(chain) && out.chain.size() < max_kept_chain; ++i) {
            out.chain.push_back(describe_certificate(sk_X509_value(chain, i)));
        }
    }
    return out;
}

void to_json(nlohmann::json& j, const tls_session& s) {
    j = nlohmann::json{{"version", s.version},
                       {"cipher", s.cipher},
                       {"cipher_standard", s.cipher_standard},
                       {"cipher_bits", s.cipher_bits},
                       {"group", s.group.empty() ? nlohmann::json() : nlohmann::json(s.group)},
                       {"server_temp_key", s.server_temp_key},
                       {"forward_secrecy", s.forward_secrecy},
                       {"anonymous", s.anonymous},
                       {"ocsp_stapled", s.ocsp_stapled}};
}

} // namespace probe
