// parse_chain_file, parse_key_file, order_chain and verify_candidate on chains made at test
// time: PEM and DER, any order, malformed and oversize input with errors that name the file
// and the certificate, keys reduced to their SPKI.

#include "probe/candidate_chain.hpp"
#include "probe/chain_file.hpp"
#include "probe/key_file.hpp"
#include "tests/support/cert_specs.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_time.hpp"
#include "tests/support/text_match.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

using namespace mxprobe_test;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) {
    return {s.begin(), s.end()};
}

std::vector<std::uint8_t> cert_der_of(const issued& c) {
    unsigned char* raw = nullptr;
    const int size = i2d_X509(c.cert.get(), &raw);
    REQUIRE(size > 0);
    std::vector<std::uint8_t> out(raw, raw + size);
    OPENSSL_free(raw);
    return out;
}

std::vector<std::uint8_t> key_der_of(const issued& c) {
    unsigned char* raw = nullptr;
    const int size = i2d_PrivateKey(c.key.get(), &raw);
    REQUIRE(size > 0);
    std::vector<std::uint8_t> out(raw, raw + size);
    OPENSSL_free(raw);
    return out;
}

probe::chain_file parse_ok(const std::string& text) {
    const auto r = probe::parse_chain_file(bytes_of(text), "chain.pem");
    REQUIRE_MESSAGE(r.file.has_value(), r.error);
    CHECK(r.error.empty());
    return *r.file;
}

std::string parse_error(const std::vector<std::uint8_t>& bytes) {
    const auto r = probe::parse_chain_file(bytes, "chain.pem");
    CHECK_FALSE(r.file.has_value());
    return r.error;
}

struct fixture {
    test_pki pki = test_pki::create();
    issued leaf = pki.leaf(mx_spec());
};

} // namespace

TEST_SUITE("probe.chain_file") {

    TEST_CASE("PEM leaf then intermediate: two certificates, their BEGIN lines, in order") {
        const fixture f;
        const auto file = parse_ok(f.leaf.cert_pem() + f.pki.intermediate.cert_pem());
        CHECK(file.encoding == probe::chain_encoding::pem);
        REQUIRE(file.certificates.size() == 2);
        CHECK(file.certificates[0].subject == "CN=mx.example.com");
        CHECK(file.certificates[1].subject == "CN=mxprobe test intermediate");
        CHECK(file.positions[0] == 1);
        CHECK(file.positions[1] > 1);
        const auto order = probe::order_chain(file.certificates);
        CHECK(order.leaf == 0);
        CHECK(order.path == std::vector<std::size_t>{0, 1});
        CHECK(order.in_order);
        CHECK(order.unrelated.empty());
        CHECK_FALSE(order.root_included);
    }

    TEST_CASE("reversed order with the root: the leaf is found, the issuing order is 3, 2, 1") {
        const fixture f;
        const auto file =
            parse_ok(f.pki.root.cert_pem() + f.pki.intermediate.cert_pem() + f.leaf.cert_pem());
        const auto order = probe::order_chain(file.certificates);
        CHECK(order.leaf == 2);
        CHECK(order.path == std::vector<std::size_t>{2, 1, 0});
        CHECK_FALSE(order.in_order);
        CHECK(order.root_included);
    }

    TEST_CASE("text around the blocks is ignored, a key block is skipped and named") {
        const fixture f;
        const auto file = parse_ok("subject=CN=mx.example.com\r\n" + f.leaf.key_pem() +
                                   f.leaf.cert_pem() + "trailing words\n");
        REQUIRE(file.certificates.size() == 1);
        REQUIRE(file.skipped.size() == 1);
        CHECK(contains(file.skipped[0], "line 2: a PRIVATE KEY block"));
    }

    TEST_CASE("CRLF line endings are read like LF") {
        const fixture f;
        std::string crlf;
        for (char c : f.leaf.cert_pem() + f.pki.intermediate.cert_pem()) {
            crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        }
        CHECK(parse_ok(crlf).certificates.size() == 2);
    }

    TEST_CASE("DER: one certificate, and two back to back") {
        const fixture f;
        auto der = cert_der_of(f.leaf);
        auto one = probe::parse_chain_file(der, "leaf.der");
        REQUIRE(one.file.has_value());
        CHECK(one.file->encoding == probe::chain_encoding::der);
        CHECK(one.file->certificates.size() == 1);
        const auto second = cert_der_of(f.pki.intermediate);
        const std::size_t offset = der.size();
        der.insert(der.end(), second.begin(), second.end());
        auto two = probe::parse_chain_file(der, "chain.der");
        REQUIRE(two.file.has_value());
        REQUIRE(two.file->certificates.size() == 2);
        CHECK(two.file->positions[1] == offset);
        CHECK(two.file->certificates[1].subject == "CN=mxprobe test intermediate");
    }

    TEST_CASE("DER with a truncated second certificate: certificate 2 and its byte offset") {
        const fixture f;
        auto der = cert_der_of(f.leaf);
        const std::size_t offset = der.size();
        const auto second = cert_der_of(f.pki.intermediate);
        der.insert(der.end(), second.begin(), second.begin() + 40);
        const auto error = parse_error(der);
        CHECK(contains(error, "chain.pem: certificate 2 (byte " + std::to_string(offset) + ")"));
        CHECK(contains(error, "is not a DER certificate"));
    }

    TEST_CASE("a damaged second PEM certificate is named by index and line") {
        const fixture f;
        std::string second = f.pki.intermediate.cert_pem();
        second[40] = '*'; // not base64
        const std::string first = f.leaf.cert_pem();
        const auto lines = static_cast<std::size_t>(std::count(first.begin(), first.end(), '\n'));
        const auto error = parse_error(bytes_of(first + second));
        CHECK(contains(error, "chain.pem: certificate 2 (line " + std::to_string(lines + 1) +
                                  ") cannot be read"));
    }

    TEST_CASE("malformed files: empty, neither PEM nor DER, BEGIN without END, crossed END") {
        CHECK(contains(parse_error({}), "chain.pem: the file is empty"));
        CHECK(contains(parse_error(bytes_of("hello world\n")), "neither PEM"));
        CHECK(contains(parse_error(bytes_of("-----BEGIN CERTIFICATE-----\nMIIB\n")),
                       "line 1: BEGIN CERTIFICATE has no END line"));
        CHECK(contains(
            parse_error(bytes_of("-----BEGIN CERTIFICATE-----\nMIIB\n-----END PRIVATE KEY-----\n")),
            "line 3: END PRIVATE KEY closes BEGIN CERTIFICATE of line 1"));
        CHECK(contains(parse_error(bytes_of("-----BEGIN CERTIFICATE-----\n-----BEGIN "
                                            "CERTIFICATE-----\n")),
                       "line 2: a BEGIN line inside"));
        CHECK(contains(parse_error(bytes_of(fixture().leaf.key_pem())),
                       "no CERTIFICATE block in the PEM file"));
    }

    TEST_CASE("limits: more than 16 certificates, more than 256 KiB") {
        const fixture f;
        std::string many;
        for (std::size_t i = 0; i <= probe::max_chain_certificates; ++i) {
            many += f.leaf.cert_pem();
        }
        CHECK(contains(parse_error(bytes_of(many)), "certificate 17 (line"));
        CHECK(contains(parse_error(bytes_of(many)), "more than 16 certificates"));
        std::string huge = f.leaf.cert_pem();
        huge.append(probe::max_chain_file_bytes, ' ');
        CHECK(contains(parse_error(bytes_of(huge)), "more than the 262144 allowed"));
    }

    TEST_CASE("read_chain_file names the path: missing, a directory, too large") {
        CHECK(contains(probe::read_chain_file("/nonexistent/chain.pem").error,
                       "/nonexistent/chain.pem: cannot open"));
        const auto dir = std::filesystem::temp_directory_path().string();
        CHECK(contains(probe::read_chain_file(dir).error, "is a directory"));
        const std::string big = write_temp_file(std::string(probe::max_chain_file_bytes + 10, 'x'));
        CHECK(contains(probe::read_chain_file(big).error, big + ": larger than the 262144 bytes"));
        const fixture f;
        const std::string ok = write_temp_file(f.leaf.cert_pem());
        const auto read = probe::read_chain_file(ok);
        REQUIRE(read.file.has_value());
        CHECK(read.file->source == ok);
    }
}

TEST_SUITE("probe.key_file") {

    TEST_CASE("PEM PKCS#8 and DER keys give the leaf's SPKI, the secret is not kept") {
        const fixture f;
        const auto leaf = probe::describe_certificate(f.leaf.cert.get());
        const auto pem = probe::parse_key_file(bytes_of(f.leaf.key_pem()), "key.pem");
        REQUIRE_MESSAGE(pem.key.has_value(), pem.error);
        CHECK(pem.key->spki_der == leaf.spki_der);
        CHECK(pem.key->spki_sha256 == leaf.spki_sha256);
        CHECK(pem.key->key_type == "EC");
        CHECK(pem.key->key_bits == 256);
        const auto der = probe::parse_key_file(key_der_of(f.leaf), "key.der");
        REQUIRE_MESSAGE(der.key.has_value(), der.error);
        CHECK(der.key->spki_der == leaf.spki_der);
    }

    TEST_CASE("the key inside a combined key + chain file is found") {
        const fixture f;
        const auto r = probe::parse_key_file(
            bytes_of(f.leaf.cert_pem() + f.leaf.key_pem() + f.pki.intermediate.cert_pem()), "all");
        REQUIRE(r.key.has_value());
        CHECK(r.key->spki_sha256 == probe::describe_certificate(f.leaf.cert.get()).spki_sha256);
    }

    TEST_CASE("encrypted, missing or garbled keys are refused with the file's name") {
        const fixture f;
        CHECK(contains(probe::parse_key_file(bytes_of("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA\n"
                                                      "-----END ENCRYPTED PRIVATE KEY-----\n"),
                                             "k.pem")
                           .error,
                       "k.pem: the key is encrypted"));
        CHECK(contains(probe::parse_key_file(bytes_of(f.leaf.cert_pem()), "k.pem").error,
                       "k.pem: no PRIVATE KEY block"));
        CHECK(contains(probe::parse_key_file(bytes_of("-----BEGIN PRIVATE KEY-----\nnot base64\n"
                                                      "-----END PRIVATE KEY-----\n"),
                                             "k.pem")
                           .error,
                       "k.pem: the private key cannot be read"));
        CHECK(contains(probe::parse_key_file(bytes_of("garbage"), "k.der").error,
                       "k.der: neither a PEM private key nor an unencrypted DER one"));
        CHECK(contains(probe::read_key_file("/nonexistent/key.pem").error,
                       "/nonexistent/key.pem: cannot open"));
    }
}

TEST_SUITE("probe.candidate_chain") {

    TEST_CASE("the key picks the leaf, a certificate off the path is unrelated") {
        const fixture f;
        const auto other = test_pki::create();
        const auto file = parse_ok(other.intermediate.cert_pem() + f.pki.intermediate.cert_pem() +
                                   f.leaf.cert_pem());
        const auto key = probe::parse_key_file(bytes_of(f.leaf.key_pem()), "key.pem");
        REQUIRE(key.key.has_value());
        const auto order = probe::order_chain(file.certificates, key.key->spki_der);
        CHECK(order.leaf_by_key);
        CHECK(order.leaf == 2);
        CHECK(order.path == std::vector<std::size_t>{2, 1});
        CHECK(order.unrelated == std::vector<std::size_t>{0});
    }

    TEST_CASE("verify_candidate: complete and trusted, per name") {
        const fixture f;
        const auto file = parse_ok(f.pki.intermediate.cert_pem() + f.leaf.cert_pem());
        const auto order = probe::order_chain(file.certificates);
        const auto store = store_with({&f.pki.root});
        const auto v =
            probe::verify_candidate(file.certificates, order, store.get(), "mx.example.com");
        CHECK(v.chain.trusted);
        CHECK(v.trust_errors.empty());
        CHECK(v.chain.hostname_match);
        CHECK(v.chain.verified_chain_length == 3);
        CHECK_FALSE(
            probe::verify_candidate(file.certificates, order, store.get(), "other.example.com")
                .chain.hostname_match);
    }

    TEST_CASE("verify_candidate: missing intermediate and untrusted root are trust errors") {
        const fixture f;
        const auto store = store_with({&f.pki.root});
        const auto bare = parse_ok(f.leaf.cert_pem());
        const auto v =
            probe::verify_candidate(bare.certificates, probe::order_chain(bare.certificates),
                                    store.get(), "mx.example.com");
        CHECK_FALSE(v.trust_errors.empty());
        CHECK(v.chain.missing_intermediate);

        const auto other = test_pki::create();
        const auto other_store = store_with({&other.root});
        const auto full = parse_ok(f.leaf.cert_pem() + f.pki.intermediate.cert_pem());
        const auto u =
            probe::verify_candidate(full.certificates, probe::order_chain(full.certificates),
                                    other_store.get(), "mx.example.com");
        CHECK_FALSE(u.trust_errors.empty());
        CHECK(u.chain.untrusted_root);
        CHECK_FALSE(u.chain.missing_intermediate);
    }

    TEST_CASE("verify_candidate: dates and purpose are not trust errors") {
        const fixture f;
        cert_spec early = mx_spec();
        early.not_before_offset = 2 * one_day;
        early.server_auth_eku = false;
        const auto leaf = f.pki.leaf(early);
        const auto file = parse_ok(leaf.cert_pem() + f.pki.intermediate.cert_pem());
        const auto store = store_with({&f.pki.root});
        const auto v =
            probe::verify_candidate(file.certificates, probe::order_chain(file.certificates),
                                    store.get(), "mx.example.com");
        CHECK(v.chain.not_yet_valid);
        CHECK(v.purpose_error);
        CHECK(v.trust_errors.empty());
    }
}
