#include "probe/tls_context.hpp"

#include "probe/chain_check.hpp"
#include "probe/direct_key_decoding.hpp"
#include "probe/openssl_error.hpp"

#include <stdexcept>

#include <openssl/ssl.h>

namespace probe {

namespace asio = boost::asio;

namespace {

void require(int ok, const std::string& what) {
    if (ok != 1) {
        throw std::runtime_error(what + ": " + drain_openssl_errors());
    }
}

} // namespace

asio::ssl::context make_tls_context(const tls_client_config& config) {
    openssl_error_guard guard;
    // Before anything parses a certificate: the trust store's too.
    use_direct_key_decoding();
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    SSL_CTX* native = ctx.native_handle();
    // Security level 0 first: the cipher string's @SECLEVEL applies only once it is parsed,
    // and the version limits below are checked against the level in force.
    SSL_CTX_set_security_level(native, 0);
    require(static_cast<int>(SSL_CTX_set_min_proto_version(native, config.min_version)),
            "cannot set minimum TLS version");
    require(static_cast<int>(SSL_CTX_set_max_proto_version(native, config.max_version)),
            "cannot set maximum TLS version");
    require(SSL_CTX_set_cipher_list(native, config.cipher_list.c_str()),
            "cipher list '" + config.cipher_list + "' refused");
    if (!config.ciphersuites.empty()) {
        require(SSL_CTX_set_ciphersuites(native, config.ciphersuites.c_str()),
                "TLS 1.3 suites '" + config.ciphersuites + "' refused");
    }
    if (!config.groups.empty()) {
        require(static_cast<int>(SSL_CTX_set1_groups_list(native, config.groups.c_str())),
                "groups '" + config.groups + "' refused");
    }
    // A probe makes one handshake per connection: tickets and the session cache only cost.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
    if (config.load_trust_store) {
        if (config.ca_file.empty()) {
            require(SSL_CTX_set_default_verify_paths(native), "cannot load the system CA store");
        } else {
            require(SSL_CTX_load_verify_locations(native, config.ca_file.c_str(), nullptr),
                    "cannot load CA file '" + config.ca_file + "'");
        }
        require(share_chain_verifications(native) ? 1 : 0,
                "cannot share chain verifications on the TLS context");
    }
    return ctx;
}

} // namespace probe
