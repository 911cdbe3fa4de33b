#include "tests/support/test_certs.hpp"

#include "probe/direct_key_decoding.hpp"
#include "probe/openssl_error.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace mxprobe_test {

namespace {

using probe::fn_deleter;
using extension_ptr = std::unique_ptr<X509_EXTENSION, fn_deleter<X509_EXTENSION_free>>;
using general_name_ptr = std::unique_ptr<GENERAL_NAME, fn_deleter<GENERAL_NAME_free>>;
using ia5_ptr = std::unique_ptr<ASN1_IA5STRING, fn_deleter<ASN1_IA5STRING_free>>;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("test certificate: " + what + ": " + probe::drain_openssl_errors());
}

void require(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

probe::evp_pkey_ptr make_key(const cert_spec& spec) {
    if (spec.reuse_key != nullptr) {
        require(EVP_PKEY_up_ref(spec.reuse_key) == 1, "key reference");
        return probe::evp_pkey_ptr(spec.reuse_key);
    }
    probe::evp_pkey_ptr key;
    switch (spec.key) {
    case key_kind::rsa:
        key.reset(EVP_RSA_gen(static_cast<unsigned int>(spec.rsa_bits)));
        break;
    case key_kind::ec_p256:
        key.reset(EVP_EC_gen("prime256v1"));
        break;
    case key_kind::ec_p384:
        key.reset(EVP_EC_gen("secp384r1"));
        break;
    case key_kind::ec_p521:
        key.reset(EVP_EC_gen("secp521r1"));
        break;
    case key_kind::ed25519:
        key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        break;
    }
    require(key != nullptr, "key generation");
    return key;
}

// A random positive 63-bit serial with its top bit set: never zero, always 8 DER bytes.
void set_random_serial(X509* cert) {
    const probe::bignum_ptr bn(BN_new());
    require(bn && BN_rand(bn.get(), 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1, "serial");
    require(BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr, "serial");
}

void set_subject(X509* cert, const std::string& common_name) {
    X509_NAME* name = X509_get_subject_name(cert); // get0-style: owned by the certificate
    if (!common_name.empty()) {
        require(
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(common_name.data()),
                                       static_cast<int>(common_name.size()), -1, 0) == 1,
            "subject CN");
    }
}

void add_conf_ext(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
    extension_ptr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
    require(ext != nullptr, OBJ_nid2sn(nid));
    require(X509_add_ext(cert, ext.get(), -1) == 1, OBJ_nid2sn(nid));
}

// Built by hand rather than from a "DNS:a,DNS:b" config string, so that any name (with
// commas, stars or trailing dots) reaches the certificate exactly as the test wrote it.
void add_san(X509* cert, const std::vector<std::string>& dns_names) {
    if (dns_names.empty()) {
        return;
    }
    probe::general_names_ptr names(sk_GENERAL_NAME_new_null());
    require(names != nullptr, "subjectAltName");
    for (const auto& dns : dns_names) {
        ia5_ptr text(ASN1_IA5STRING_new());
        require(text && ASN1_STRING_set(text.get(), dns.data(), static_cast<int>(dns.size())) == 1,
                "subjectAltName dNSName");
        general_name_ptr gn(GENERAL_NAME_new());
        require(gn != nullptr, "subjectAltName entry");
        GENERAL_NAME_set0_value(gn.get(), GEN_DNS, text.release());
        require(sk_GENERAL_NAME_push(names.get(), gn.get()) > 0, "subjectAltName push");
        static_cast<void>(gn.release()); // now owned by the stack
    }
    require(X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1,
            "subjectAltName");
}

void add_extensions(X509* cert, X509* issuer_cert, const cert_spec& spec) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer_cert, cert, nullptr, nullptr, 0);
    add_conf_ext(cert, &ctx, NID_basic_constraints,
                 spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    const char* usage = spec.is_ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                        : spec.key == key_kind::rsa ? "critical,digitalSignature,keyEncipherment"
                                                    : "critical,digitalSignature";
    add_conf_ext(cert, &ctx, NID_key_usage, usage);
    // Leaves always say what they are for; CAs carry no EKU unless restricted.
    if (!spec.is_ca || !spec.server_auth_eku) {
        add_conf_ext(cert, &ctx, NID_ext_key_usage,
                     spec.server_auth_eku ? "serverAuth" : "clientAuth");
    }
    add_conf_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    if (issuer_cert != cert) {
        add_conf_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
    }
    add_san(cert, spec.dns_names);
}

// `issuer` == nullptr: self-signed with the new key.
issued build(const cert_spec& spec, const issued* issuer) {
    probe::openssl_error_guard guard;
    // Keys are made and certificates signed by the default provider, as a CA would; with
    // direct key decoding in force OpenSSL's built-in methods would have to sign with them.
    const probe::direct_key_decoding_pause pause;
    issued out;
    out.key = make_key(spec);
    out.cert.reset(X509_new());
    X509* cert = out.cert.get();
    require(cert != nullptr, "X509_new");
    require(X509_set_version(cert, X509_VERSION_3) == 1, "version");
    set_random_serial(cert);
    set_subject(cert, spec.common_name);
    X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
    require(X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1, "issuer name");
    require(X509_gmtime_adj(X509_getm_notBefore(cert),
                            static_cast<long>(spec.not_before_offset.count())) != nullptr,
            "notBefore");
    require(X509_gmtime_adj(X509_getm_notAfter(cert),
                            static_cast<long>(spec.not_after_offset.count())) != nullptr,
            "notAfter");
    require(X509_set_pubkey(cert, out.key.get()) == 1, "public key");
    add_extensions(cert, issuer_cert, spec);
    EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : out.key.get();
    // Ed25519 signs the whole message itself: no separate digest is allowed.
    const EVP_MD* digest = EVP_PKEY_is_a(signing_key, "ED25519") == 1 ? nullptr : spec.digest();
    require(X509_sign(cert, signing_key, digest) > 0, "signature");
    return out;
}

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

// The per-process directory; its destructor runs at normal exit and removes everything.
struct temp_directory {
    std::filesystem::path path;
    std::mutex mutex;
    unsigned counter = 0;

    temp_directory() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "mxprobe-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        path = pattern;
    }
    ~temp_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;
};

temp_directory& temp_dir() {
    static temp_directory dir;
    return dir;
}

} // namespace

std::string issued::cert_pem() const {
    probe::openssl_error_guard guard;
    probe::bio_ptr bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM certificate");
    return bio_text(bio.get());
}

std::string issued::key_pem() const {
    probe::openssl_error_guard guard;
    probe::bio_ptr bio(BIO_new(BIO_s_mem()));
    require(bio && PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) == 1,
            "PEM private key");
    return bio_text(bio.get());
}

issued make_self_signed(const cert_spec& spec) {
    return build(spec, nullptr);
}

issued make_issued(const cert_spec& spec, const issued& issuer) {
    return build(spec, &issuer);
}

test_pki test_pki::create() {
    cert_spec root_spec;
    root_spec.common_name = "mxprobe test root";
    root_spec.is_ca = true;
    root_spec.not_after_offset = std::chrono::seconds(10L * 365 * 86400);
    cert_spec intermediate_spec;
    intermediate_spec.common_name = "mxprobe test intermediate";
    intermediate_spec.is_ca = true;
    intermediate_spec.not_after_offset = std::chrono::seconds(5L * 365 * 86400);
    test_pki pki;
    pki.root = make_self_signed(root_spec);
    pki.intermediate = make_issued(intermediate_spec, pki.root);
    return pki;
}

issued test_pki::leaf(const cert_spec& spec) const {
    return make_issued(spec, intermediate);
}

std::string write_temp_file(const std::string& content, const std::string& suffix) {
    temp_directory& dir = temp_dir();
    std::filesystem::path file;
    {
        const std::lock_guard lock(dir.mutex);
        file = dir.path / ("file-" + std::to_string(++dir.counter) + suffix);
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
    std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
    return file.string();
}

probe::x509_store_ptr store_with(const std::vector<const issued*>& roots) {
    probe::openssl_error_guard guard;
    probe::x509_store_ptr store(X509_STORE_new());
    require(store != nullptr, "X509_STORE_new");
    for (const issued* root : roots) {
        require(X509_STORE_add_cert(store.get(), root->cert.get()) == 1, "X509_STORE_add_cert");
    }
    return store;
}

probe::x509_stack_ptr stack_of(const std::vector<const issued*>& chain) {
    probe::openssl_error_guard guard;
    probe::x509_stack_ptr stack(sk_X509_new_null());
    require(stack != nullptr, "sk_X509_new_null");
    for (const issued* c : chain) {
        probe::x509_ptr ref = probe::up_ref(c->cert.get());
        require(sk_X509_push(stack.get(), ref.get()) > 0, "sk_X509_push");
        static_cast<void>(ref.release()); // now owned by the stack
    }
    return stack;
}

} // namespace mxprobe_test
