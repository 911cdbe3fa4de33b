#pragma once
// OpenSSL's verdicts on a presented chain, recorded as facts: does it verify against the
// trust store, does the leaf match the expected host name, is the chain complete and in
// order. Shared by the live probe and by the certificate check before deployment.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

struct x509_st;
struct x509_store_st;
struct stack_st_X509;
struct ssl_st;
struct ssl_ctx_st;

namespace probe {

class verification_cache;

struct verify_error_at {
    int depth = 0;
    int code = 0;
    std::string message;
};

struct chain_verdict {
    bool trusted = false;     ///< X509_verify_cert succeeded against the trust store
    int verify_code = 0;      ///< X509_V_OK or the first error
    std::string verify_error; ///< OpenSSL's text for verify_code; empty when trusted
    int verify_error_depth = -1;
    std::vector<verify_error_at> errors; ///< every (depth, error) OpenSSL reported
    bool expired = false;                ///< among the errors: a certificate's notAfter has passed
    bool not_yet_valid = false;          ///< among the errors: a certificate's notBefore is ahead
    bool other_errors = false;           ///< errors other than the two time errors above
    bool hostname_match = false;         ///< RFC 9525 rules: SAN dNSName only, no partial wildcards
    bool chain_complete = false;         ///< a path up to a self-signed root could be built
    bool missing_intermediate = false;   ///< the server sent its leaf without the issuing CA
    bool untrusted_root = false;         ///< complete, but the root is not in the trust store
    bool chain_in_order = true;          ///< each certificate is issued by the one after it
    std::vector<std::string> order_problems;
    int verified_chain_length = 0;
};

/// `presented` is the chain in the order the server sent it, leaf first. Uses the current
/// time, as a sender would at the moment of delivery.
chain_verdict check_chain(stack_st_X509* presented, x509_store_st* trust_store,
                          const std::string& expected_host);

/// What the TLS handshake's own chain verification reported, kept for check_handshake_chain.
/// OpenSSL verifies the server's chain in every client handshake (whatever the verify mode);
/// recording that run spares the probe a second verification, a fifth of its CPU per session.
struct x509_chain_release {
    void operator()(stack_st_X509* chain) const noexcept; ///< the stack and its references
};
using x509_chain_ptr = std::unique_ptr<stack_st_X509, x509_chain_release>;

/// A new stack holding a reference to each certificate of `chain` (nullptr stays nullptr).
x509_chain_ptr share_chain(stack_st_X509* chain);

struct handshake_verification {
    std::vector<verify_error_at> errors;
    x509_chain_ptr built; ///< the path OpenSSL built, leaf first
    bool reused = false;  ///< taken from the context's verification_cache
};

/// Makes `ssl`'s coming handshake record every verification error into `record` (which must
/// outlive the handshake) and carry on. Returns false when OpenSSL refused the setting.
bool record_handshake_verification(ssl_st* ssl, handshake_verification& record);

/// The chain verdict of a finished handshake that recorded its verification: the same facts
/// as check_chain against the SSL_CTX's store, without verifying again.
chain_verdict check_handshake_chain(ssl_st* ssl, const handshake_verification& record,
                                    const std::string& expected_host);

/// Makes every handshake on `ctx` that records its verification share it through a
/// verification_cache owned by `ctx` (see verification_cache.hpp). Returns false when
/// OpenSSL refused the setting.
bool share_chain_verifications(ssl_ctx_st* ctx);

/// The cache share_chain_verifications installed on `ctx`, or nullptr.
const verification_cache* chain_verifications(const ssl_ctx_st* ctx);

/// Loads a trust store from a PEM bundle, or the system default paths when `ca_file` is
/// empty. Throws std::runtime_error carrying the OpenSSL error queue on failure.
x509_store_st* new_trust_store(const std::string& ca_file);

void to_json(nlohmann::json& j, const chain_verdict& v);

} // namespace probe
