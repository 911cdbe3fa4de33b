#pragma once
// Certificates made at test time with the OpenSSL 3 API: self-signed roots, CA hierarchies and
// leaves with exactly the names, lifetimes, keys and digests a test needs. Nothing is ever
// written to the repository; PEM files for tools that want paths go to a per-process temp
// directory that is removed at exit.

#include "probe/openssl_ptr.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <openssl/evp.h>

namespace mxprobe_test {

enum class key_kind { ec_p256, rsa, ec_p384, ec_p521, ed25519 };

struct cert_spec {
    std::string common_name;                       ///< subject CN; no CN at all when empty
    std::vector<std::string> dns_names;            ///< subjectAltName dNSName; no SAN when empty
    bool is_ca = false;                            ///< basicConstraints cA (critical either way)
    std::chrono::seconds not_before_offset{-3600}; ///< relative to now
    std::chrono::seconds not_after_offset{90 * 86400};
    key_kind key = key_kind::ec_p256;
    int rsa_bits = 2048;
    const EVP_MD* (*digest)() = EVP_sha256; ///< EVP_sha1 for SHA-1 tests
    bool server_auth_eku = true;            ///< false: EKU clientAuth only
    /// Certify this existing key instead of a fresh one (a renewal that keeps its key).
    EVP_PKEY* reuse_key = nullptr;
};

struct issued {
    probe::x509_ptr cert;
    probe::evp_pkey_ptr key;

    std::string cert_pem() const;
    std::string key_pem() const; ///< unencrypted PKCS#8
};

/// A certificate signed by its own key (issuer == subject, no authorityKeyIdentifier).
issued make_self_signed(const cert_spec& spec);

/// A certificate signed by `issuer`, with its authorityKeyIdentifier.
issued make_issued(const cert_spec& spec, const issued& issuer);

/// A root CA and an intermediate CA it issued, fresh keys on every create().
struct test_pki {
    issued root;
    issued intermediate;

    static test_pki create();

    /// A certificate signed by the intermediate.
    issued leaf(const cert_spec& spec) const;
};

/// Writes `content` to a new file under a per-process temp directory (removed at exit) and
/// returns its path.
std::string write_temp_file(const std::string& content, const std::string& suffix = ".pem");

/// A trust store holding exactly these certificates.
probe::x509_store_ptr store_with(const std::vector<const issued*>& roots);

/// A stack of these certificates, in this order; each is up-ref'd, so the stack owns them too.
probe::x509_stack_ptr stack_of(const std::vector<const issued*>& chain);

} // namespace mxprobe_test
