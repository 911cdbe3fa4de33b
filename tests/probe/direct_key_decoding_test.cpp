// Direct key decoding (probe/direct_key_decoding.hpp) must change how fast certificates are
// read, never what is read from them. Each case parses the same DER twice, once through
// OpenSSL 3.0's decoders and once the direct way, and compares what the probe records and
// whether signatures verify.

#include "probe/cert_info.hpp"
#include "probe/chain_file.hpp"
#include "probe/direct_key_decoding.hpp"
#include "tests/support/test_certs.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/x509.h>

using namespace mxprobe_test;

namespace {

std::vector<unsigned char> der_of(X509* cert) {
    unsigned char* raw = nullptr;
    const int size = i2d_X509(cert, &raw);
    REQUIRE(size > 0);
    std::vector<unsigned char> der(raw, raw + size);
    OPENSSL_free(raw);
    return der;
}

probe::x509_ptr parse(const std::vector<unsigned char>& der) {
    const unsigned char* p = der.data();
    probe::x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(cert != nullptr);
    return cert;
}

struct seen {
    probe::cert_info leaf;
    probe::cert_info issuer;
    bool leaf_verifies = false;
    bool issuer_verifies = false;
    bool decoded_by_a_provider = false;
};

// What the probe sees of a leaf and its issuer when both are parsed from DER now.
seen read_pair(const std::vector<unsigned char>& leaf_der,
               const std::vector<unsigned char>& issuer_der) {
    const probe::x509_ptr leaf = parse(leaf_der);
    const probe::x509_ptr issuer = parse(issuer_der);
    EVP_PKEY* issuer_key = X509_get0_pubkey(issuer.get());
    REQUIRE(issuer_key != nullptr);
    seen out;
    out.leaf = probe::describe_certificate(leaf.get());
    out.issuer = probe::describe_certificate(issuer.get());
    out.leaf_verifies = X509_verify(leaf.get(), issuer_key) == 1;
    out.issuer_verifies = X509_verify(issuer.get(), issuer_key) == 1;
    out.decoded_by_a_provider = EVP_PKEY_get0_provider(issuer_key) != nullptr;
    return out;
}

void check_same(const probe::cert_info& a, const probe::cert_info& b) {
    CHECK(a.key_type == b.key_type);
    CHECK(a.key_bits == b.key_bits);
    CHECK(a.key_curve == b.key_curve);
    CHECK(a.spki_sha256 == b.spki_sha256);
    CHECK(a.spki_sha512 == b.spki_sha512);
    CHECK(a.sha256 == b.sha256);
    CHECK(a.signature_algorithm == b.signature_algorithm);
    CHECK(a.signature_digest == b.signature_digest);
    CHECK(a.self_signed == b.self_signed);
    CHECK(a.subject == b.subject);
    CHECK(a.san_dns == b.san_dns);
}

struct key_case {
    const char* name;
    key_kind kind;
    int rsa_bits;
    const char* key_type;
    int key_bits;
    const char* curve;
    bool direct; ///< a type the direct route covers
};

const key_case key_cases[] = {
    {"RSA 1024", key_kind::rsa, 1024, "RSA", 1024, "", true},
    {"RSA 2048", key_kind::rsa, 2048, "RSA", 2048, "", true},
    {"EC P-256", key_kind::ec_p256, 0, "EC", 256, "prime256v1", true},
    {"EC P-384", key_kind::ec_p384, 0, "EC", 384, "secp384r1", true},
    {"EC P-521", key_kind::ec_p521, 0, "EC", 521, "secp521r1", true},
    {"Ed25519", key_kind::ed25519, 0, "ED25519", 256, "", false},
};

} // namespace

TEST_CASE("direct key decoding reads every key type as the decoders do") {
    for (const key_case& c : key_cases) {
        const std::string name = c.name;
        CAPTURE(name);
        cert_spec ca_spec;
        ca_spec.common_name = std::string("CA ") + c.name;
        ca_spec.is_ca = true;
        ca_spec.key = c.kind;
        ca_spec.rsa_bits = c.rsa_bits;
        const issued ca = make_self_signed(ca_spec);
        cert_spec leaf_spec = ca_spec;
        leaf_spec.common_name = "mx.example.test";
        leaf_spec.dns_names = {"mx.example.test", "*.example.test"};
        leaf_spec.is_ca = false;
        const issued leaf = make_issued(leaf_spec, ca);
        const auto leaf_der = der_of(leaf.cert.get());
        const auto ca_der = der_of(ca.cert.get());

        const seen by_decoders = [&] {
            const probe::direct_key_decoding_pause pause;
            return read_pair(leaf_der, ca_der);
        }();
        const bool in_force = probe::use_direct_key_decoding();
        const seen direct = read_pair(leaf_der, ca_der);

        CHECK(by_decoders.decoded_by_a_provider);
        CHECK(by_decoders.leaf_verifies);
        CHECK(by_decoders.issuer_verifies);
        CHECK(direct.leaf_verifies);
        CHECK(direct.issuer_verifies);
        CHECK(direct.leaf.key_type == c.key_type);
        CHECK(direct.leaf.key_bits == c.key_bits);
        CHECK(direct.leaf.key_curve == c.curve);
        CHECK(direct.issuer.self_signed);
        check_same(by_decoders.leaf, direct.leaf);
        check_same(by_decoders.issuer, direct.issuer);
        // The direct route is taken exactly for the types it covers, where it exists at all.
        CHECK(direct.decoded_by_a_provider == !(in_force && c.direct));
    }
}

TEST_CASE("direct key decoding is in force on OpenSSL 3.0, and pauses hold it off") {
    const bool supported = probe::use_direct_key_decoding();
#if OPENSSL_VERSION_MAJOR == 3 && OPENSSL_VERSION_MINOR == 0 && !defined(OPENSSL_NO_ENGINE)
    CHECK(supported);
#endif
    CHECK(probe::use_direct_key_decoding() == supported); // idempotent
    CHECK(probe::direct_key_decoding_in_force() == supported);
    {
        const probe::direct_key_decoding_pause outer;
        CHECK_FALSE(probe::direct_key_decoding_in_force());
        CHECK_FALSE(probe::use_direct_key_decoding()); // held off
        {
            const probe::direct_key_decoding_pause inner;
            CHECK_FALSE(probe::direct_key_decoding_in_force());
        }
        CHECK_FALSE(probe::direct_key_decoding_in_force()); // the outer pause still holds
        CHECK_FALSE(probe::use_direct_key_decoding());
    }
    CHECK(probe::direct_key_decoding_in_force() == supported); // put back
}

TEST_CASE("read the direct way, a certificate signed by another CA still fails to verify") {
    // The built-in key methods check signatures, they do not just accept them.
    for (const key_kind kind : {key_kind::rsa, key_kind::ec_p256}) {
        cert_spec ca_spec;
        ca_spec.common_name = "CA one";
        ca_spec.is_ca = true;
        ca_spec.key = kind;
        const issued ca_one = make_self_signed(ca_spec);
        ca_spec.common_name = "CA two";
        const issued ca_two = make_self_signed(ca_spec);
        cert_spec leaf_spec;
        leaf_spec.common_name = "mx.example.test";
        leaf_spec.key = kind;
        const issued leaf = make_issued(leaf_spec, ca_one);

        probe::use_direct_key_decoding();
        const seen wrong = read_pair(der_of(leaf.cert.get()), der_of(ca_two.cert.get()));
        const seen right = read_pair(der_of(leaf.cert.get()), der_of(ca_one.cert.get()));
        CHECK_FALSE(wrong.leaf_verifies);
        CHECK(right.leaf_verifies);
    }
}

TEST_CASE("real public chains read the direct way say what the decoders say") {
    // The real chains kept as seeds for the chain_file fuzz target (x509-limbo's online cases,
    // tests/fuzz/corpus/SOURCES.md): RSA and EC leaves and intermediates as the web PKI issues
    // them, each certificate parsed both ways and each checked against the next one's key.
    const std::filesystem::path corpus =
        std::filesystem::path(MXPROBE_SOURCE_DIR) / "tests/fuzz/corpus/chain_file";
    std::size_t chains = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        const std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".pem" || name == "key-between.pem") {
            continue;
        }
        CAPTURE(name);
        const auto by_decoders = [&] {
            const probe::direct_key_decoding_pause pause;
            return probe::read_chain_file(entry.path().string());
        }();
        probe::use_direct_key_decoding();
        const auto direct = probe::read_chain_file(entry.path().string());
        REQUIRE(by_decoders.file.has_value());
        REQUIRE(direct.file.has_value());
        const auto& a = by_decoders.file->certificates;
        const auto& b = direct.file->certificates;
        REQUIRE(a.size() == b.size());
        REQUIRE(a.size() >= 2);
        for (std::size_t i = 0; i < a.size(); ++i) {
            check_same(a[i], b[i]);
            CHECK(a[i].not_after == b[i].not_after);
        }
        for (std::size_t i = 0; i + 1 < b.size(); ++i) {
            CHECK(probe::issued_by(b[i], b[i + 1]));
        }
        ++chains;
    }
    CHECK(chains == 11);
}
