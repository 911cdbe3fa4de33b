#pragma once
// Ordering TLS versions and cipher suites from weakest to strongest, for "the weakest and the
// strongest each MX accepts". Suites are OpenSSL names; the ranking follows what the
// standards and BCP 195 (RFC 9325) say matters: no RC4 (RFC 7465), no 3DES (SWEET32), no
// NULL, export or anonymous suites; then forward secrecy, then AEAD over CBC, then key size.

#include <string_view>

namespace policy {

/// 0 for unknown, then SSLv3 < TLSv1 < TLSv1.1 < TLSv1.2 < TLSv1.3.
int version_rank(std::string_view version);

/// Higher is stronger. Any two suites compare the way a careful sender would prefer them.
int cipher_rank(std::string_view openssl_name);

/// Ephemeral key exchange: every TLS 1.3 suite, and ECDHE/DHE suites before it.
bool cipher_has_forward_secrecy(std::string_view openssl_name);

} // namespace policy
