// describe_certificate against certificates made at test time. Every expected value is
// computed here independently (own hashing, own hex, the clock around the creation), never by
// calling the code under test a second time.

#include "probe/cert_info.hpp"
#include "tests/support/test_certs.hpp"

#include <cctype>
#include <ctime>
#include <string>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

using namespace mxprobe_test;

namespace {

std::string hex_of(const unsigned char* data, std::size_t size, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] / 16];
        out += digits[data[i] % 16];
    }
    return out;
}

// SHA-256 over a DER encoding, through a streaming EVP_MD_CTX (the code under test uses the
// one-shot EVP_Digest), i.e. what `openssl x509 -outform DER | sha256sum` prints.
template <class I2D, class T> std::string sha256_der(I2D i2d, T* object) {
    unsigned char* der = nullptr;
    const int size = i2d(object, &der);
    REQUIRE(size > 0);
    std::unique_ptr<EVP_MD_CTX, probe::fn_deleter<EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    const bool ok = md && EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(md.get(), der, static_cast<std::size_t>(size)) == 1 &&
                    EVP_DigestFinal_ex(md.get(), digest, &digest_size) == 1;
    OPENSSL_free(der);
    REQUIRE(ok);
    return hex_of(digest, digest_size, false);
}

bool is_lower_hex(const std::string& s) {
    for (const char c : s) {
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0 ||
            std::isupper(static_cast<unsigned char>(c)) != 0) {
            return false;
        }
    }
    return true;
}

cert_spec spec_named(std::string cn, std::vector<std::string> dns = {}) {
    cert_spec spec;
    spec.common_name = std::move(cn);
    spec.dns_names = std::move(dns);
    return spec;
}

} // namespace

TEST_SUITE("probe.cert_info") {

    TEST_CASE("leaf: RFC 2253 subject and issuer, SANs in certificate order") {
        const auto pki = test_pki::create();
        const auto leaf =
            pki.leaf(spec_named("mx.example.com", {"mx.example.com", "MX2.Example.COM"}));
        const auto info = probe::describe_certificate(leaf.cert.get());
        CHECK(info.subject == "CN=mx.example.com");
        CHECK(info.issuer == "CN=mxprobe test intermediate");
        CHECK(info.san_dns == std::vector<std::string>{"mx.example.com", "MX2.Example.COM"});
    }

    TEST_CASE("special characters in the subject are escaped as RFC 2253 says") {
        const auto cert = make_self_signed(spec_named("Example, Inc"));
        CHECK(probe::describe_certificate(cert.cert.get()).subject == "CN=Example\\, Inc");
    }

    TEST_CASE("no subjectAltName → empty san_dns, no CN → empty subject") {
        const auto cn_only = make_self_signed(spec_named("mx.example.com"));
        CHECK(probe::describe_certificate(cn_only.cert.get()).san_dns.empty());
        const auto san_only = make_self_signed(spec_named("", {"mx.example.com"}));
        const auto info = probe::describe_certificate(san_only.cert.get());
        CHECK(info.subject.empty());
        CHECK(info.san_dns == std::vector<std::string>{"mx.example.com"});
    }

    TEST_CASE("serial is the upper-case hex of the DER integer") {
        const auto cert = make_self_signed(spec_named("serial.example"));
        const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.cert.get());
        const std::string expected =
            hex_of(ASN1_STRING_get0_data(serial),
                   static_cast<std::size_t>(ASN1_STRING_length(serial)), true);
        REQUIRE(expected.size() == 16); // the helper makes 63-bit serials with the top bit set
        CHECK(probe::describe_certificate(cert.cert.get()).serial_hex == expected);
    }

    TEST_CASE("not_before and not_after are the epoch seconds of the validity window") {
        const std::int64_t before = std::time(nullptr);
        auto spec = spec_named("time.example");
        spec.not_before_offset = std::chrono::seconds(-7200);
        spec.not_after_offset = std::chrono::seconds(30 * 86400);
        const auto cert = make_self_signed(spec);
        const std::int64_t after = std::time(nullptr);
        const auto info = probe::describe_certificate(cert.cert.get());
        CHECK(info.not_before >= before - 7200);
        CHECK(info.not_before <= after - 7200);
        CHECK(info.not_after >= before + std::int64_t{30} * 86400);
        CHECK(info.not_after <= after + std::int64_t{30} * 86400);
    }

    TEST_CASE("notAfter past 2049 (GeneralizedTime) and before 1970 read correctly") {
        const std::int64_t before = std::time(nullptr);
        auto spec = spec_named("far.example");
        spec.not_before_offset = std::chrono::seconds(-before - 86400); // 1969-12-31
        spec.not_after_offset = std::chrono::seconds(40L * 365 * 86400);
        const auto cert = make_self_signed(spec);
        const std::int64_t after = std::time(nullptr);
        const auto info = probe::describe_certificate(cert.cert.get());
        CHECK(info.not_before >= -86400 - 1);
        CHECK(info.not_before <= -86400 + (after - before));
        CHECK(info.not_after >= before + 40L * 365 * 86400);
        CHECK(info.not_after <= after + 40L * 365 * 86400);
    }

    TEST_CASE("EC P-256 key: type EC, 256 bits, curve prime256v1, ECDSA with SHA-256") {
        const auto cert = make_self_signed(spec_named("ec.example"));
        const auto info = probe::describe_certificate(cert.cert.get());
        CHECK(info.key_type == "EC");
        CHECK(info.key_bits == 256);
        CHECK(info.key_curve == "prime256v1");
        CHECK(info.signature_algorithm == "ecdsa-with-SHA256");
        CHECK(info.signature_digest == "SHA256");
    }

    TEST_CASE("RSA keys: type RSA, bits as generated, no curve") {
        for (const int bits : {1024, 2048}) {
            CAPTURE(bits);
            auto spec = spec_named("rsa.example");
            spec.key = key_kind::rsa;
            spec.rsa_bits = bits;
            const auto cert = make_self_signed(spec);
            const auto info = probe::describe_certificate(cert.cert.get());
            CHECK(info.key_type == "RSA");
            CHECK(info.key_bits == bits);
            CHECK(info.key_curve.empty());
            CHECK(info.signature_algorithm == "sha256WithRSAEncryption");
            CHECK(info.signature_digest == "SHA256");
        }
    }

    TEST_CASE("SHA-1 signatures are named as such, for RSA and ECDSA") {
        auto spec = spec_named("sha1.example");
        spec.digest = EVP_sha1;
        spec.key = key_kind::rsa;
        const auto rsa = probe::describe_certificate(make_self_signed(spec).cert.get());
        CHECK(rsa.signature_algorithm == "sha1WithRSAEncryption");
        CHECK(rsa.signature_digest == "SHA1");
        spec.key = key_kind::ec_p256;
        const auto ec = probe::describe_certificate(make_self_signed(spec).cert.get());
        CHECK(ec.signature_algorithm == "ecdsa-with-SHA1");
        CHECK(ec.signature_digest == "SHA1");
    }

    TEST_CASE("is_ca follows basicConstraints: root and intermediate yes, leaf no") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(spec_named("mx.example.com", {"mx.example.com"}));
        CHECK(probe::describe_certificate(pki.root.cert.get()).is_ca);
        CHECK(probe::describe_certificate(pki.intermediate.cert.get()).is_ca);
        CHECK_FALSE(probe::describe_certificate(leaf.cert.get()).is_ca);
    }

    TEST_CASE("self_signed and self_issued: root, intermediate, leaf, self-signed leaf") {
        const auto pki = test_pki::create();
        const auto root = probe::describe_certificate(pki.root.cert.get());
        CHECK(root.self_issued);
        CHECK(root.self_signed);
        const auto intermediate = probe::describe_certificate(pki.intermediate.cert.get());
        CHECK_FALSE(intermediate.self_issued);
        CHECK_FALSE(intermediate.self_signed);
        const auto leaf =
            probe::describe_certificate(pki.leaf(spec_named("mx.example.com")).cert.get());
        CHECK_FALSE(leaf.self_issued);
        CHECK_FALSE(leaf.self_signed);
        const auto own =
            probe::describe_certificate(make_self_signed(spec_named("mx.example.com")).cert.get());
        CHECK(own.self_signed);
        CHECK_FALSE(own.is_ca);
    }

    TEST_CASE("same subject as the issuer but another key → self-issued, not self-signed") {
        const auto pki = test_pki::create();
        auto spec = spec_named("mxprobe test intermediate"); // the issuer's own name
        spec.is_ca = true;
        const auto rollover = make_issued(spec, pki.intermediate);
        const auto info = probe::describe_certificate(rollover.cert.get());
        CHECK(info.subject == info.issuer);
        CHECK(info.self_issued);
        CHECK_FALSE(info.self_signed);
    }

    TEST_CASE("server_auth_eku: serverAuth yes, clientAuth only no, CA without EKU yes") {
        const auto pki = test_pki::create();
        auto spec = spec_named("mx.example.com");
        CHECK(probe::describe_certificate(pki.leaf(spec).cert.get()).server_auth_eku);
        spec.server_auth_eku = false;
        CHECK_FALSE(probe::describe_certificate(pki.leaf(spec).cert.get()).server_auth_eku);
        CHECK(probe::describe_certificate(pki.root.cert.get()).server_auth_eku);
    }

    TEST_CASE("sha256 is the SHA-256 of the DER certificate (DANE x 0 1)") {
        for (const auto kind : {key_kind::ec_p256, key_kind::rsa}) {
            auto spec = spec_named("mx.example.com", {"mx.example.com"});
            spec.key = kind;
            const auto cert = make_self_signed(spec);
            const auto info = probe::describe_certificate(cert.cert.get());
            CHECK(info.sha256.size() == 64);
            CHECK(is_lower_hex(info.sha256));
            CHECK(info.sha256 == sha256_der(i2d_X509, cert.cert.get()));
        }
    }

    TEST_CASE("spki_sha256 is the SHA-256 of i2d_PUBKEY of the key (DANE x 1 1)") {
        const auto cert = make_self_signed(spec_named("mx.example.com"));
        const auto info = probe::describe_certificate(cert.cert.get());
        CHECK(info.spki_sha256 == sha256_der(i2d_PUBKEY, cert.key.get()));
        CHECK(info.spki_sha256 != info.sha256);
        CHECK(is_lower_hex(info.spki_sha256));
    }

    TEST_CASE("re-signed certificate with the same key: new sha256, same spki_sha256") {
        const auto cert = make_self_signed(spec_named("mx.example.com"));
        probe::x509_ptr renewed(X509_dup(cert.cert.get()));
        REQUIRE(renewed);
        REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(renewed.get()), 4242) == 1);
        REQUIRE(X509_sign(renewed.get(), cert.key.get(), EVP_sha256()) > 0);
        const auto first = probe::describe_certificate(cert.cert.get());
        const auto second = probe::describe_certificate(renewed.get());
        CHECK(second.serial_hex == "1092"); // 4242
        CHECK(second.sha256 != first.sha256);
        CHECK(second.spki_sha256 == first.spki_sha256);
    }

    TEST_CASE("null certificate → every field empty, no crash") {
        const auto info = probe::describe_certificate(nullptr);
        CHECK(info.subject.empty());
        CHECK(info.sha256.empty());
        CHECK(info.key_bits == 0);
        CHECK_FALSE(info.is_ca);
    }

    TEST_CASE("to_hex: lower case, two digits per byte, empty for no bytes") {
        const unsigned char bytes[] = {0x00, 0x0f, 0xa5, 0xff};
        CHECK(probe::to_hex(bytes, sizeof bytes) == "000fa5ff");
        CHECK(probe::to_hex(bytes, 0).empty());
    }
}
