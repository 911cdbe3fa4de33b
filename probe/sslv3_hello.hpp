#pragma once
// SSLv3 detection without SSLv3 in OpenSSL: Debian's OpenSSL 3 cannot speak SSLv3 at all, so
// the probe sends a hand-made SSLv3 ClientHello and reads the server's first record.

#include <string>
#include <string_view>

namespace probe {

/// An SSLv3 ClientHello record offering the suites SSLv3 servers actually used (RSA and DHE
/// key exchange with 3DES, RC4, AES and DES), no session id, no extensions.
std::string sslv3_client_hello();

enum class sslv3_answer {
    accepted, ///< a ServerHello with server_version 3.0
    refused,  ///< an alert, a higher version, or nothing
};

/// Reads the first bytes the server answered to sslv3_client_hello().
sslv3_answer read_sslv3_answer(std::string_view reply);

} // namespace probe
