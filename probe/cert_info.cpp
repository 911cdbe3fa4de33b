#include "probe/cert_info.hpp"

#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

namespace probe {

namespace {

std::string name_text(const X509_NAME* name) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        return {};
    }
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::int64_t epoch_seconds(const ASN1_TIME* t) {
    tm parsed{};
    if (t == nullptr || ASN1_TIME_to_tm(t, &parsed) != 1) {
        return 0;
    }
    return static_cast<std::int64_t>(timegm(&parsed));
}

// The first max_kept_san_dns dNSNames; all of them are counted.
void dns_names(X509* cert, cert_info& out) {
    const general_names_ptr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) {
        return;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        if (gn->type != GEN_DNS) {
            continue;
        }
        if (++out.san_dns_total <= max_kept_san_dns) {
            const ASN1_IA5STRING* s = gn->d.dNSName;
            out.san_dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                     static_cast<std::size_t>(ASN1_STRING_length(s)));
        }
    }
}

std::string serial_hex(X509* cert) {
    const bignum_ptr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
    if (!bn) {
        return {};
    }
    const openssl_memory_ptr<char> hex(BN_bn2hex(bn.get()));
    return hex ? std::string(hex.get()) : std::string();
}

std::string digest_hex(const std::vector<std::uint8_t>& data, const EVP_MD* md) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int out_size = 0;
    if (data.empty() || EVP_Digest(data.data(), data.size(), out, &out_size, md, nullptr) != 1) {
        return {};
    }
    return to_hex(out, out_size);
}

template <class I2D, class T> std::vector<std::uint8_t> der_of(I2D i2d, T* object) {
    unsigned char* raw = nullptr;
    const int size = i2d(object, &raw);
    const openssl_memory_ptr<unsigned char> der(raw);
    if (size <= 0) {
        return {};
    }
    return {der.get(), der.get() + size};
}

x509_ptr parse_der(const std::vector<std::uint8_t>& der) {
    const unsigned char* p = der.data();
    return x509_ptr(der.empty() ? nullptr : d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

void describe_key(X509* cert, cert_info& out) {
    EVP_PKEY* key = X509_get0_pubkey(cert); // get0: borrowed
    if (key == nullptr) {
        return;
    }
    out.key_bits = EVP_PKEY_get_bits(key);
    const char* type = EVP_PKEY_get0_type_name(key);
    out.key_type = type != nullptr ? type : OBJ_nid2sn(EVP_PKEY_get_base_id(key));
    char curve[80] = {};
    std::size_t curve_size = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof curve, &curve_size) == 1) {
        out.key_curve.assign(curve, curve_size);
    }
}

void describe_signature(X509* cert, cert_info& out) {
    out.signature_algorithm = OBJ_nid2ln(X509_get_signature_nid(cert));
    int md_nid = NID_undef;
    if (X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr) == 1 &&
        md_nid != NID_undef) {
        out.signature_digest = OBJ_nid2sn(md_nid);
    }
}

} // namespace

std::string to_hex(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 0x0F]);
    }
    return out;
}

cert_info describe_certificate(X509* cert) {
    openssl_error_guard guard;
    cert_info out;
    if (cert == nullptr) {
        return out;
    }
    out.subject = name_text(X509_get_subject_name(cert));
    out.issuer = name_text(X509_get_issuer_name(cert));
    dns_names(cert, out);
    out.serial_hex = serial_hex(cert);
    out.not_before = epoch_seconds(X509_get0_notBefore(cert));
    out.not_after = epoch_seconds(X509_get0_notAfter(cert));
    describe_key(cert, out);
    describe_signature(cert, out);
    const std::uint32_t flags = X509_get_extension_flags(cert); // also caches extensions
    out.is_ca = X509_check_ca(cert) != 0;
    out.self_issued = (flags & EXFLAG_SI) != 0;
    out.self_signed = (flags & EXFLAG_SS) != 0 && X509_verify(cert, X509_get0_pubkey(cert)) == 1;
    out.server_auth_eku =
        (flags & EXFLAG_XKUSAGE) == 0 || (X509_get_extended_key_usage(cert) & XKU_SSL_SERVER) != 0;
    out.der = der_of(i2d_X509, cert);
    out.spki_der = der_of(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(cert));
    out.sha256 = digest_hex(out.der, EVP_sha256());
    out.spki_sha256 = digest_hex(out.spki_der, EVP_sha256());
    out.sha512 = digest_hex(out.der, EVP_sha512());
    out.spki_sha512 = digest_hex(out.spki_der, EVP_sha512());
    return out;
}

bool issued_by(const cert_info& child, const cert_info& parent) {
    openssl_error_guard guard;
    const x509_ptr c = parse_der(child.der);
    const x509_ptr p = parse_der(parent.der);
    if (!c || !p || X509_check_issued(p.get(), c.get()) != X509_V_OK) {
        return false;
    }
    EVP_PKEY* key = X509_get0_pubkey(p.get()); // get0: borrowed
    return key != nullptr && X509_verify(c.get(), key) == 1;
}

void to_json(nlohmann::json& j, const cert_info& c) {
    j = nlohmann::json{{"subject", c.subject},
                       {"issuer", c.issuer},
                       {"san_dns", c.san_dns},
                       {"serial", c.serial_hex},
                       {"not_before", c.not_before},
                       {"not_after", c.not_after},
                       {"key_type", c.key_type},
                       {"key_bits", c.key_bits},
                       {"signature_algorithm", c.signature_algorithm},
                       {"is_ca", c.is_ca},
                       {"self_signed", c.self_signed},
                       {"sha256", c.sha256},
                       {"spki_sha256", c.spki_sha256}};
    if (c.san_dns_total > c.san_dns.size()) {
        j["san_dns_total"] = c.san_dns_total; // says that san_dns was cut
    }
    if (!c.key_curve.empty()) {
        j["key_curve"] = c.key_curve;
    }
    if (!c.signature_digest.empty()) {
        j["signature_digest"] = c.signature_digest;
    }
}

} // namespace probe
