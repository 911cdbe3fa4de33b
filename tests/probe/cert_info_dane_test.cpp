// The parts of cert_info that TLSA matching needs: the DER of the certificate and of its
// SubjectPublicKeyInfo, their SHA-512 digests, and issued_by on stored DER. Expected values are
// computed here with OpenSSL directly.

#include "probe/cert_info.hpp"
#include "tests/support/test_certs.hpp"

#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

using namespace mxprobe_test;

namespace {

template <class I2D, class T> std::vector<std::uint8_t> encode(I2D i2d, T* object) {
    unsigned char* der = nullptr;
    const int size = i2d(object, &der);
    REQUIRE(size > 0);
    std::vector<std::uint8_t> out(der, der + size);
    OPENSSL_free(der);
    return out;
}

std::string sha512_hex(const std::vector<std::uint8_t>& data) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    REQUIRE(EVP_Digest(data.data(), data.size(), md, &size, EVP_sha512(), nullptr) == 1);
    std::string out;
    char two[3];
    for (unsigned int i = 0; i < size; ++i) {
        (void)std::snprintf(two, sizeof two, "%02x", md[i]);
        out += two;
    }
    return out;
}

cert_spec host_spec(const std::string& name) {
    cert_spec spec;
    spec.common_name = name;
    spec.dns_names = {name};
    return spec;
}

} // namespace

TEST_SUITE("probe.cert_info") {

    TEST_CASE("DER of the certificate and of its SPKI, with SHA-512 digests (TLSA x y 0/2)") {
        const test_pki pki = test_pki::create();
        const issued leaf = pki.leaf(host_spec("mx.example.com"));
        const probe::cert_info c = probe::describe_certificate(leaf.cert.get());
        const auto der = encode(i2d_X509, leaf.cert.get());
        const auto spki = encode(i2d_X509_PUBKEY, X509_get_X509_PUBKEY(leaf.cert.get()));
        CHECK(c.der == der);
        CHECK(c.spki_der == spki);
        CHECK(c.sha512 == sha512_hex(der));
        CHECK(c.spki_sha512 == sha512_hex(spki));
        CHECK(c.sha512.size() == 128);
        // The JSON contract is unchanged: no DER, no SHA-512 there.
        const nlohmann::json j = c;
        CHECK_FALSE(j.contains("der"));
        CHECK_FALSE(j.contains("sha512"));
    }

    TEST_CASE("issued_by follows signatures, not just names") {
        const test_pki pki = test_pki::create();
        const test_pki twin = test_pki::create(); // same names, other keys
        const auto leaf =
            probe::describe_certificate(pki.leaf(host_spec("mx.example.com")).cert.get());
        const auto intermediate = probe::describe_certificate(pki.intermediate.cert.get());
        const auto root = probe::describe_certificate(pki.root.cert.get());
        const auto twin_intermediate = probe::describe_certificate(twin.intermediate.cert.get());
        CHECK(probe::issued_by(leaf, intermediate));
        CHECK(probe::issued_by(intermediate, root));
        CHECK(probe::issued_by(root, root));
        CHECK_FALSE(probe::issued_by(leaf, root));
        CHECK_FALSE(probe::issued_by(intermediate, leaf));
        CHECK_FALSE(probe::issued_by(leaf, twin_intermediate));
        CHECK_FALSE(probe::issued_by(leaf, probe::cert_info{}));
    }
}
