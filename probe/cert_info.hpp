#pragma once
// Certificates as plain data. Right after a handshake the presented chain is converted into
// these values; from then on nothing holds an OpenSSL object, so policy/ and tools/ never
// need OpenSSL headers to judge or print a certificate.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

struct x509_st;

namespace probe {

/// dNSNames kept per certificate. Real certificates carry at most a few hundred; a hostile
/// server could send tens of thousands to make every copy of the result expensive.
inline constexpr std::size_t max_kept_san_dns = 1000;

struct cert_info {
    std::string subject; ///< RFC 2253 form, e.g. "CN=mx.example.com"
    std::string issuer;
    std::vector<std::string> san_dns; ///< subjectAltName dNSName entries, as written, capped
    std::size_t san_dns_total = 0;    ///< dNSNames in the certificate, also those not kept
    std::string serial_hex;
    std::int64_t not_before = 0; ///< seconds since the Unix epoch (UTC)
    std::int64_t not_after = 0;
    std::string key_type; ///< "RSA", "EC", "ED25519", "DSA", ...
    int key_bits = 0;
    std::string key_curve;           ///< EC curve name, e.g. "prime256v1"; empty otherwise
    std::string signature_algorithm; ///< e.g. "sha256WithRSAEncryption"
    std::string signature_digest;    ///< e.g. "SHA256", "SHA1"; empty when intrinsic (Ed25519)
    bool is_ca = false;              ///< basicConstraints cA
    bool self_issued = false;        ///< subject == issuer
    bool self_signed = false;        ///< self-issued and its signature verifies with its own key
    bool server_auth_eku = false;    ///< no EKU at all, or one that includes serverAuth
    std::string sha256;              ///< of the DER certificate, lower-case hex (DANE 0 1)
    std::string spki_sha256;         ///< of the DER SubjectPublicKeyInfo (DANE 1 1)
    std::string sha512;              ///< of the DER certificate (TLSA selector 0, matching 2)
    std::string spki_sha512;         ///< of the DER SubjectPublicKeyInfo (selector 1, matching 2)
    // The encodings themselves, for TLSA matching type Full(0) and for checking signatures
    // between chain members after the handshake. Not in the JSON.
    std::vector<std::uint8_t> der;
    std::vector<std::uint8_t> spki_der;
};

/// Converts one certificate. Never fails: fields it cannot read stay empty.
cert_info describe_certificate(x509_st* cert);

/// Whether `parent` issued `child`: names and key identifiers line up (X509_check_issued) and
/// `child`'s signature verifies with `parent`'s key. Works on the stored DER, so a chain can
/// be walked long after the handshake (DANE-TA path checks in policy/). False when either
/// DER cannot be read.
bool issued_by(const cert_info& child, const cert_info& parent);

/// Lower-case hex of a byte string.
std::string to_hex(const unsigned char* data, std::size_t size);

void to_json(nlohmann::json& j, const cert_info& c);

} // namespace probe
