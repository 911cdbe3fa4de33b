#pragma once
// Certificate public keys decoded the direct way on OpenSSL 3.0.
//
// OpenSSL 3.0 turns the public key of every certificate it parses into an EVP_PKEY through
// its decoder framework and builds the decoder chain anew for each key: 150-170 µs per
// certificate on our 2-core machine, where the key type's own ASN.1 method takes 18-30 µs.
// A probe parses every certificate a server presents, so that was about a quarter of the
// client's CPU in a STARTTLS session (upstream: openssl/openssl#19119, #17950, #20051; 3.1
// and later cache the decoders). OpenSSL 3.0 still takes the direct route for a key type
// when an ENGINE implements that type's key methods (x509_pubkey_decode in
// crypto/x509/x_pubkey.c). So we register one that adds nothing of its own: for RSA and EC it
// hands back OpenSSL's built-in key methods, which then also check those keys' signatures
// and make EC key shares, as they did in 1.1.1. Other key types (Ed25519, RSA-PSS, DSA)
// still go through the decoders, correctly and slowly.
//
// Process-wide OpenSSL state, set once; nothing happens on an OpenSSL other than 3.0 or one
// built without ENGINE support.

namespace probe {

/// Puts direct decoding in force unless a pause holds it off (idempotent). True when it is
/// in force afterwards. make_tls_context calls it, so every process that makes a TLS
/// connection runs with it.
bool use_direct_key_decoding();

/// Whether it is in force now.
bool direct_key_decoding_in_force();

/// Holds direct decoding off while it lives, then puts back what the outermost pause found.
/// For tests: with direct decoding in force, OpenSSL's built-in methods handle every RSA and
/// EC key of the process, and they lack what only the other end of a TLS client needs — RSA
/// decryption with the padding check a server makes on an RSA key exchange, EC key generation
/// by NIST curve name ("P-256"; "prime256v1" works), signing with keys the default provider
/// made — which in-process test servers and test certificate authorities do.
class direct_key_decoding_pause {
  public:
    direct_key_decoding_pause();
    ~direct_key_decoding_pause();
    direct_key_decoding_pause(const direct_key_decoding_pause&) = delete;
    direct_key_decoding_pause& operator=(const direct_key_decoding_pause&) = delete;

  private:
    bool was_in_force_;
};

} // namespace probe
