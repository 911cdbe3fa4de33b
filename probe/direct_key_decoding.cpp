#include "probe/direct_key_decoding.hpp"

#include <openssl/opensslconf.h>
#include <openssl/opensslv.h>

// The ENGINE interface is deprecated in OpenSSL 3 and gone in 4; this file is its only user,
// on the one release line whose decoders make it worth it.
#if OPENSSL_VERSION_MAJOR == 3 && OPENSSL_VERSION_MINOR == 0 && !defined(OPENSSL_NO_ENGINE)
#define MXPROBE_DIRECT_KEY_DECODING 1
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif

#include <array>

namespace probe {

#ifdef MXPROBE_DIRECT_KEY_DECODING

namespace {

constexpr std::array<int, 2> direct_types = {NID_rsaEncryption, NID_X9_62_id_ecPublicKey};

// The ENGINE's key-method callback: OpenSSL's own methods for the types above.
int builtin_key_methods(ENGINE* /*engine*/, EVP_PKEY_METHOD** method, const int** types,
                        int type) {
    if (method == nullptr) {
        *types = direct_types.data();
        return static_cast<int>(direct_types.size());
    }
    // EVP_PKEY_meth_find returns OpenSSL's static method table entry; the ENGINE never
    // changes it and, the method not being marked dynamic, never frees it.
    *method = const_cast<EVP_PKEY_METHOD*>(EVP_PKEY_meth_find(type));
    return *method != nullptr ? 1 : 0;
}

// Borrowed: OpenSSL's key-method table holds the reference while the ENGINE is registered,
// and releases it in OPENSSL_cleanup at exit.
ENGINE* registered = nullptr;
int pauses = 0; // direct_key_decoding_pause objects alive

void unregister() {
    if (registered != nullptr) {
        ENGINE_unregister_pkey_meths(registered); // drops the table's reference: frees it
        registered = nullptr;
    }
}

} // namespace

bool use_direct_key_decoding() {
    if (registered != nullptr || pauses > 0) {
        return registered != nullptr;
    }
    ENGINE* engine = ENGINE_new();
    if (engine == nullptr) {
        return false;
    }
    const bool ok = ENGINE_set_id(engine, "mxprobe-direct-keys") == 1 &&
                    ENGINE_set_name(engine, "mxprobe: OpenSSL's built-in RSA and EC key "
                                            "methods, without the 3.0 decoders") == 1 &&
                    ENGINE_set_pkey_meths(engine, builtin_key_methods) == 1 &&
                    ENGINE_set_default_pkey_meths(engine) == 1;
    if (ok) {
        registered = engine;
    } else {
        ENGINE_unregister_pkey_meths(engine);
    }
    ENGINE_free(engine); // our own reference; the table keeps its own
    return ok;
}

bool direct_key_decoding_in_force() {
    return registered != nullptr;
}

direct_key_decoding_pause::direct_key_decoding_pause()
    : was_in_force_(direct_key_decoding_in_force()) {
    ++pauses;
    unregister();
}

direct_key_decoding_pause::~direct_key_decoding_pause() {
    if (--pauses == 0 && was_in_force_) {
        use_direct_key_decoding();
    }
}

#pragma GCC diagnostic pop

#else

bool use_direct_key_decoding() {
    return false;
}

bool direct_key_decoding_in_force() {
    return false;
}

direct_key_decoding_pause::direct_key_decoding_pause() : was_in_force_(false) {}

direct_key_decoding_pause::~direct_key_decoding_pause() = default;

#endif

} // namespace probe
