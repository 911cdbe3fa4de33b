#include "probe/chain_check.hpp"

#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"
#include "probe/verification_cache.hpp"

#include <cctype>
#include <stdexcept>
#include <string_view>

#include <nlohmann/json.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace probe {

namespace {

struct verify_log {
    std::vector<verify_error_at> errors;
};

int record_errors(int ok, X509_STORE_CTX* ctx) {
    if (ok == 0) {
        auto* log = static_cast<verify_log*>(X509_STORE_CTX_get_app_data(ctx));
        const int code = X509_STORE_CTX_get_error(ctx);
        log->errors.push_back(
            {X509_STORE_CTX_get_error_depth(ctx), code, X509_verify_cert_error_string(code)});
    }
    return 1; // keep going: a monitor wants every problem, not the first
}

void check_order(stack_st_X509* presented, chain_verdict& out) {
    const int n = sk_X509_num(presented);
    for (int i = 0; i + 1 < n; ++i) {
        X509* subject = sk_X509_value(presented, i);
        X509* issuer = sk_X509_value(presented, i + 1);
        if (X509_check_issued(issuer, subject) != X509_V_OK) {
            out.chain_in_order = false;
            out.order_problems.push_back("certificate " + std::to_string(i + 2) +
                                         " did not issue certificate " + std::to_string(i + 1));
        }
    }
}

bool is_issuer_missing(int code) {
    return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
}

bool is_untrusted_self_signed(int code) {
    return code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
           code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
            return false;
        }
    }
    return true;
}

// RFC 9525 matching on top of X509_check_host: SAN dNSName only (never the CN), no partial
// wildcards, one trailing root dot ignored (NAME-10), and no wildcard standing for an
// A-label (NAME-9), which OpenSSL allows for whole-label wildcards.
bool host_matches(X509* leaf, std::string_view host) {
    if (!host.empty() && host.back() == '.') {
        host.remove_suffix(1);
    }
    if (host.empty()) {
        return false;
    }
    char* raw_matched = nullptr;
    const int rc = X509_check_host(
        leaf, host.data(), host.size(),
        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, &raw_matched);
    const openssl_memory_ptr<char> matched(raw_matched);
    if (rc != 1) {
        return false;
    }
    const bool wildcard = matched && matched.get()[0] == '*';
    return !(wildcard && starts_with_ignoring_case(host, "xn--"));
}

} // namespace

x509_store_st* new_trust_store(const std::string& ca_file) {
    openssl_error_guard guard;
    x509_store_ptr store(X509_STORE_new());
    if (!store) {
        throw std::runtime_error("cannot allocate a trust store: " + drain_openssl_errors());
    }
    const int ok = ca_file.empty() ? X509_STORE_set_default_paths(store.get())
                                   : X509_STORE_load_file(store.get(), ca_file.c_str());
    if (ok != 1) {
        throw std::runtime_error("cannot load trust store " +
                                 (ca_file.empty() ? std::string("(system default)") : ca_file) +
                                 ": " + drain_openssl_errors());
    }
    return store.release();
}

namespace {

// Everything after the verification itself: errors, path, completeness, order, host name.
chain_verdict judge_chain(stack_st_X509* presented, stack_st_X509* built,
                          std::vector<verify_error_at> errors, const std::string& expected_host) {
    chain_verdict out;
    X509* leaf = sk_X509_value(presented, 0);
    out.hostname_match = host_matches(leaf, expected_host);
    check_order(presented, out);
    out.errors = std::move(errors);
    out.trusted = out.errors.empty();
    if (!out.trusted) {
        out.verify_code = out.errors.front().code;
        out.verify_error = out.errors.front().message;
        out.verify_error_depth = out.errors.front().depth;
    }
    out.verified_chain_length = built != nullptr ? sk_X509_num(built) : 0;

    bool issuer_missing = false;
    bool root_untrusted = false;
    for (const auto& e : out.errors) {
        const bool expired = e.code == X509_V_ERR_CERT_HAS_EXPIRED;
        const bool early = e.code == X509_V_ERR_CERT_NOT_YET_VALID;
        out.expired = out.expired || expired;
        out.not_yet_valid = out.not_yet_valid || early;
        out.other_errors = out.other_errors || (!expired && !early);
        issuer_missing = issuer_missing || is_issuer_missing(e.code);
        root_untrusted = root_untrusted || is_untrusted_self_signed(e.code);
    }
    // The top of the path OpenSSL could build tells the two failures apart: a server that
    // sent its intermediates ends in a CA certificate whose root we do not know; one that
    // sent a bare leaf (or a leaf and part of the path) stops at a non-CA or at a CA whose
    // issuer we cannot find among the presented certificates.
    X509* top = built != nullptr && sk_X509_num(built) > 0
                    ? sk_X509_value(built, sk_X509_num(built) - 1)
                    : leaf;
    if (issuer_missing) {
        out.missing_intermediate = X509_check_ca(top) == 0;
        out.untrusted_root = !out.missing_intermediate;
        out.chain_complete = !out.missing_intermediate;
    } else {
        out.untrusted_root = root_untrusted;
        out.chain_complete = true;
    }
    return out;
}

int handshake_verification_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// The handshake's verify callback: the same log as record_errors, found through the SSL.
int record_handshake_errors(int ok, X509_STORE_CTX* ctx) {
    if (ok == 0) {
        auto* ssl = static_cast<SSL*>(
            X509_STORE_CTX_get_ex_data(ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
        auto* record = ssl != nullptr ? static_cast<handshake_verification*>(
                                            SSL_get_ex_data(ssl, handshake_verification_index()))
                                      : nullptr;
        if (record != nullptr) {
            const int code = X509_STORE_CTX_get_error(ctx);
            record->errors.push_back(
                {X509_STORE_CTX_get_error_depth(ctx), code, X509_verify_cert_error_string(code)});
        }
    }
    return 1; // keep going: a monitor wants every problem, and the probe decides, not TLS
}

} // namespace

chain_verdict check_chain(stack_st_X509* presented, x509_store_st* trust_store,
                          const std::string& expected_host) {
    openssl_error_guard guard;
    chain_verdict out;
    if (presented == nullptr || sk_X509_num(presented) == 0) {
        out.verify_error = "no certificate presented";
        return out;
    }
    X509* leaf = sk_X509_value(presented, 0);
    x509_store_ctx_ptr ctx(X509_STORE_CTX_new());
    verify_log log;
    if (!ctx || X509_STORE_CTX_init(ctx.get(), trust_store, leaf, presented) != 1) {
        out.hostname_match = host_matches(leaf, expected_host);
        check_order(presented, out);
        out.verify_error = "cannot set up verification: " + drain_openssl_errors();
        return out;
    }
    X509_STORE_CTX_set_app_data(ctx.get(), &log);
    X509_STORE_CTX_set_verify_cb(ctx.get(), record_errors);
    X509_VERIFY_PARAM_set_purpose(X509_STORE_CTX_get0_param(ctx.get()), X509_PURPOSE_SSL_SERVER);
    // With the callback accepting everything, the result is only "no error was reported".
    X509_verify_cert(ctx.get());
    return judge_chain(presented, X509_STORE_CTX_get0_chain(ctx.get()), std::move(log.errors),
                       expected_host);
}

void x509_chain_release::operator()(stack_st_X509* chain) const noexcept {
    sk_X509_pop_free(chain, X509_free);
}

x509_chain_ptr share_chain(stack_st_X509* chain) {
    return x509_chain_ptr(chain != nullptr ? X509_chain_up_ref(chain) : nullptr);
}

namespace {

void free_cache(void* /*parent*/, void* cache, CRYPTO_EX_DATA* /*data*/, int /*index*/,
                long /*argl*/, void* /*argp*/) {
    // The context owned it since share_chain_verifications; it goes with the context.
    const std::unique_ptr<verification_cache> owned(static_cast<verification_cache*>(cache));
}

int cache_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_cache);
    return index;
}

// The context's replacement for X509_verify_cert in the handshake: a chain verified a
// moment ago on this context is not verified again. The recorded errors and path are all
// the probe reads (the verify callback accepts every error), so a reused one stands in fully.
int verify_or_reuse(X509_STORE_CTX* store_ctx, void* arg) {
    auto* cache = static_cast<verification_cache*>(arg);
    auto* ssl = static_cast<SSL*>(
        X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* record = ssl != nullptr ? static_cast<handshake_verification*>(
                                        SSL_get_ex_data(ssl, handshake_verification_index()))
                                  : nullptr;
    if (cache == nullptr || record == nullptr) {
        return X509_verify_cert(store_ctx);
    }
    std::string key =
        chain_key(X509_STORE_CTX_get0_cert(store_ctx), X509_STORE_CTX_get0_untrusted(store_ctx));
    const auto now = verification_cache::clock::now();
    if (!key.empty()) {
        if (const auto* seen = cache->find(key, now)) {
            record->errors = seen->errors;
            record->built = share_chain(seen->built.get());
            record->reused = true;
            return 1;
        }
    }
    const int ok = X509_verify_cert(store_ctx);
    record->built = x509_chain_ptr(X509_STORE_CTX_get1_chain(store_ctx));
    if (!key.empty()) {
        cache->store(std::move(key), record->errors, share_chain(record->built.get()), now);
    }
    return ok;
}

} // namespace

bool share_chain_verifications(SSL_CTX* ctx) {
    if (SSL_CTX_get_ex_data(ctx, cache_index()) != nullptr) {
        return true;
    }
    auto cache = std::make_unique<verification_cache>();
    if (SSL_CTX_set_ex_data(ctx, cache_index(), cache.get()) != 1) {
        return false;
    }
    SSL_CTX_set_cert_verify_callback(ctx, verify_or_reuse, cache.release());
    return true;
}

const verification_cache* chain_verifications(const SSL_CTX* ctx) {
    return static_cast<const verification_cache*>(SSL_CTX_get_ex_data(ctx, cache_index()));
}

bool record_handshake_verification(SSL* ssl, handshake_verification& record) {
    if (SSL_set_ex_data(ssl, handshake_verification_index(), &record) != 1) {
        return false;
    }
    SSL_set_verify(ssl, SSL_get_verify_mode(ssl), record_handshake_errors);
    return true;
}

chain_verdict check_handshake_chain(SSL* ssl, const handshake_verification& record,
                                    const std::string& expected_host) {
    openssl_error_guard guard;
    stack_st_X509* presented = SSL_get_peer_cert_chain(ssl);
    if (presented == nullptr || sk_X509_num(presented) == 0) {
        chain_verdict out;
        out.verify_error = "no certificate presented";
        return out;
    }
    stack_st_X509* built = record.built ? record.built.get() : SSL_get0_verified_chain(ssl);
    return judge_chain(presented, built, record.errors, expected_host);
}

void to_json(nlohmann::json& j, const chain_verdict& v) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : v.errors) {
        errors.push_back({{"depth", e.depth}, {"code", e.code}, {"message", e.message}});
    }
    j = nlohmann::json{
        {"trusted", v.trusted},
        {"verify_error", v.trusted ? nlohmann::json() : nlohmann::json(v.verify_error)},
        {"verify_errors", std::move(errors)},
        {"expired", v.expired},
        {"not_yet_valid", v.not_yet_valid},
        {"hostname_match", v.hostname_match},
        {"chain_complete", v.chain_complete},
        {"missing_intermediate", v.missing_intermediate},
        {"untrusted_root", v.untrusted_root},
        {"chain_in_order", v.chain_in_order},
        {"order_problems", v.order_problems}};
}

} // namespace probe
