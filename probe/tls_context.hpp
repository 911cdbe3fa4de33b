#pragma once
// Client TLS contexts for probing. A monitor must see what the server offers, not what a
// modern client would accept, so contexts run at OpenSSL security level 0: TLS 1.0/1.1 and
// small keys are recorded instead of aborting the handshake. Judging them is policy's job.

#include <string>

#include <boost/asio/ssl/context.hpp>

namespace probe {

struct tls_client_config {
    int min_version = 0x0301; ///< TLS1_VERSION
    int max_version = 0;      ///< 0: the highest the library supports
    /// TLS ≤ 1.2 suites, in OpenSSL cipher-list syntax.
    std::string cipher_list = "DEFAULT:@SECLEVEL=0";
    /// TLS 1.3 suites; empty keeps OpenSSL's default set.
    std::string ciphersuites;
    /// Key-exchange groups, colon-separated; empty keeps OpenSSL's default list.
    std::string groups;
    /// Verification is recorded, never enforced (see chain_check.hpp); the store is only
    /// loaded when the probe will look at the chain.
    bool load_trust_store = true;
    std::string ca_file; ///< empty: the system's default CA paths
};

/// Throws std::runtime_error carrying the OpenSSL error queue when a setting is refused.
boost::asio::ssl::context make_tls_context(const tls_client_config& config);

} // namespace probe
