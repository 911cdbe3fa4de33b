#pragma once
// Ownership of OpenSSL objects. OpenSSL's naming rule decides: `get0` returns a borrowed
// pointer (never freed by us), `get1` and `new` return an owned one, wrapped on the same line
// in one of these aliases. No *_free call appears outside this header.

#include <memory>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

namespace probe {

template <auto Free> struct fn_deleter {
    template <class T> void operator()(T* p) const noexcept { Free(p); }
};

using x509_ptr = std::unique_ptr<X509, fn_deleter<X509_free>>;
using x509_store_ptr = std::unique_ptr<X509_STORE, fn_deleter<X509_STORE_free>>;
using x509_store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, fn_deleter<X509_STORE_CTX_free>>;
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, fn_deleter<EVP_PKEY_free>>;
using bio_ptr = std::unique_ptr<BIO, fn_deleter<BIO_free_all>>;
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, fn_deleter<SSL_CTX_free>>;
using ssl_ptr = std::unique_ptr<SSL, fn_deleter<SSL_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, fn_deleter<BN_free>>;
using general_names_ptr = std::unique_ptr<GENERAL_NAMES, fn_deleter<GENERAL_NAMES_free>>;

/// Memory OpenSSL allocated for us (BN_bn2hex, i2d_* output).
inline void free_openssl_memory(void* p) noexcept {
    OPENSSL_free(p);
}
template <class T> using openssl_memory_ptr = std::unique_ptr<T, fn_deleter<free_openssl_memory>>;

inline void free_x509_stack(STACK_OF(X509) * s) noexcept {
    sk_X509_pop_free(s, X509_free);
}
using x509_stack_ptr = std::unique_ptr<STACK_OF(X509), fn_deleter<free_x509_stack>>;

/// A stack whose elements are borrowed (SSL_get1_supported_ciphers): free the stack only.
inline void free_cipher_stack(STACK_OF(SSL_CIPHER) * s) noexcept {
    sk_SSL_CIPHER_free(s);
}
using cipher_stack_ptr = std::unique_ptr<STACK_OF(SSL_CIPHER), fn_deleter<free_cipher_stack>>;

/// Takes a reference on a borrowed certificate so it can be kept.
inline x509_ptr up_ref(X509* cert) {
    if (cert != nullptr) {
        X509_up_ref(cert);
    }
    return x509_ptr(cert);
}

} // namespace probe
