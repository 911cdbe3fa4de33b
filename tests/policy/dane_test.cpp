// policy::evaluate_dane and apply_dane on chains made at test time. TLSA association data is
// computed here from the certificates' own DER with OpenSSL (not read back from cert_info),
// so a wrong digest or a wrong encoding in the code under test cannot agree with itself.

#include "policy/dane.hpp"
#include "probe/cert_info.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_time.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

using namespace mxprobe_test;

namespace {

using policy::dane_status;
using policy::tlsa_lookup_state;

constexpr const char* tlsa_host = "mx.example.com";

std::string hex(const unsigned char* data, std::size_t size) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0x0F];
    }
    return out;
}

enum class sel { cert = 0, spki = 1 };
enum class mt { full = 0, sha256 = 1, sha512 = 2 };

// Association data for `cert` as a zone operator would compute it (`openssl x509 -outform
// DER | sha256sum` and friends).
std::string association(const issued& cert, sel s, mt m) {
    unsigned char* der = nullptr;
    const int size = s == sel::cert ? i2d_X509(cert.cert.get(), &der)
                                    : i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.cert.get()), &der);
    REQUIRE(size > 0);
    std::string out;
    if (m == mt::full) {
        out = hex(der, static_cast<std::size_t>(size));
    } else {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_size = 0;
        REQUIRE(EVP_Digest(der, static_cast<std::size_t>(size), md, &md_size,
                           m == mt::sha256 ? EVP_sha256() : EVP_sha512(), nullptr) == 1);
        out = hex(md, md_size);
    }
    OPENSSL_free(der);
    return out;
}

resolver::tlsa_record tlsa(int usage, sel s, mt m, std::string data) {
    return {static_cast<std::uint8_t>(usage), static_cast<std::uint8_t>(s),
            static_cast<std::uint8_t>(m), std::move(data)};
}

resolver::tlsa_record tlsa(int usage, sel s, mt m, const issued& cert) {
    return tlsa(usage, s, m, association(cert, s, m));
}

policy::tlsa_lookup secure(std::vector<resolver::tlsa_record> records) {
    policy::tlsa_lookup l;
    l.name = std::string("_25._tcp.") + tlsa_host;
    l.state = tlsa_lookup_state::records;
    l.authenticated = true;
    l.records = std::move(records);
    return l;
}

// A session that presented `chain` (leaf first); `name_ok` is the probe's RFC 9525 name check.
probe::session_result session(const std::vector<const issued*>& chain, bool name_ok = true) {
    probe::session_result r;
    r.host = tlsa_host;
    r.starttls_offered = r.starttls_accepted = true;
    probe::tls_session tls;
    tls.version = "TLSv1.3";
    tls.cipher = "TLS_AES_128_GCM_SHA256";
    tls.forward_secrecy = true;
    for (const issued* c : chain) {
        tls.chain.push_back(probe::describe_certificate(c->cert.get()));
    }
    r.tls = tls;
    probe::chain_verdict v;
    v.hostname_match = name_ok;
    r.certificate = v;
    return r;
}

cert_spec leaf_spec(std::vector<std::string> names = {tlsa_host}) {
    cert_spec spec;
    spec.common_name = names.empty() ? "leaf" : names.front();
    spec.dns_names = std::move(names);
    return spec;
}

std::string type_list(const std::vector<std::string>& t) {
    std::string out;
    for (const auto& s : t) {
        out += (out.empty() ? "" : ",") + s;
    }
    return out;
}

struct fixture {
    test_pki pki = test_pki::create();
    issued leaf = pki.leaf(leaf_spec());
    issued other = pki.leaf(leaf_spec({"other.example.net"})); // same CA, another key
};

} // namespace

TEST_SUITE("policy.dane") {

    TEST_CASE("usable records: DANE-TA/EE, known selector and matching type, right length") {
        const std::string d32(64, 'a'), d31(62, 'a'), d64(128, 'b');
        struct row {
            resolver::tlsa_record record;
            bool usable;
        };
        const std::vector<row> rows = {
            {tlsa(3, sel::spki, mt::sha256, d32), true},
            {tlsa(2, sel::cert, mt::sha256, d32), true},
            {tlsa(3, sel::spki, mt::sha512, d64), true},
            {tlsa(3, sel::cert, mt::full, "3082"), true},
            {tlsa(1, sel::spki, mt::sha256, d32), false}, // PKIX-EE
            {tlsa(0, sel::cert, mt::sha256, d32), false}, // PKIX-TA
            {tlsa(3, sel::spki, mt::sha256, d31), false}, // 31 bytes
            {tlsa(3, sel::spki, mt::sha512, d32), false}, // 32 bytes for SHA2-512
            {tlsa(3, sel::spki, mt::sha256, d64), false}, // 64 bytes for SHA2-256
            {tlsa(3, sel::cert, mt::full, ""), false},
            {tlsa(3, sel::cert, mt::full, "abc"), false},
            {tlsa(3, sel::cert, mt::full, "zz"), false},
            {{255, 1, 1, d32}, false},
            {{3, 255, 1, d32}, false},
            {{3, 1, 255, d32}, false},
            {{4, 1, 1, d32}, false},
        };
        for (const auto& r : rows) {
            CAPTURE(int(r.record.usage));
            CAPTURE(int(r.record.selector));
            CAPTURE(int(r.record.matching_type));
            CAPTURE(r.record.data_hex);
            const auto v =
                policy::evaluate_dane(secure({r.record}), probe::session_result{}, started_at);
            REQUIRE(v.records.size() == 1);
            CHECK(v.records[0].usable == r.usable);
            CHECK(v.records[0].unusable_reason.empty() == r.usable);
            CHECK(v.usable == (r.usable ? 1 : 0));
        }
    }

    TEST_CASE("DANE-EE 3 1 1, 3 0 1, 3 1 2, 3 0 0: the leaf matches, another key does not") {
        fixture f;
        const auto presented = session({&f.leaf, &f.pki.intermediate});
        for (const sel s : {sel::spki, sel::cert}) {
            for (const mt m : {mt::sha256, mt::sha512, mt::full}) {
                CAPTURE(int(s));
                CAPTURE(int(m));
                const auto good =
                    policy::evaluate_dane(secure({tlsa(3, s, m, f.leaf)}), presented, started_at);
                CHECK(good.status == dane_status::applies);
                CHECK(good.tlsa_secure);
                CHECK(good.usable == 1);
                CHECK(good.matched);
                CHECK(good.authenticated);
                CHECK(good.records[0].matched_depth == 0);
                CHECK(good.result_types.empty());
                CHECK(good.decides());

                const auto bad =
                    policy::evaluate_dane(secure({tlsa(3, s, m, f.other)}), presented, started_at);
                CHECK_FALSE(bad.matched);
                CHECK_FALSE(bad.authenticated);
                CHECK(type_list(bad.result_types) == "tlsa-invalid");
            }
        }
    }

    TEST_CASE("DANE-EE matches the leaf only, never a CA certificate of the chain") {
        fixture f;
        const auto v =
            policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.pki.intermediate)}),
                                  session({&f.leaf, &f.pki.intermediate}), started_at);
        CHECK_FALSE(v.matched);
        CHECK(type_list(v.result_types) == "tlsa-invalid");
    }

    TEST_CASE("association data in upper-case hex still matches") {
        fixture f;
        std::string data = association(f.leaf, sel::spki, mt::sha256);
        for (char& c : data) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        const auto v = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, data)}),
                                             session({&f.leaf}), started_at);
        CHECK(v.authenticated);
    }

    TEST_CASE("DANE-EE with an expired, self-signed leaf of another name passes") {
        cert_spec spec = leaf_spec({"somewhere.else.example"});
        spec.not_before_offset = std::chrono::hours(-24 * 400);
        spec.not_after_offset = std::chrono::hours(-24 * 30);
        const issued self = make_self_signed(spec);
        const auto v = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, self)}),
                                             session({&self}, false), started_at);
        CHECK(v.authenticated);
        CHECK(v.result_types.empty());
    }

    TEST_CASE("DANE-TA 2 1 1 and 2 0 1: the intermediate or a root sent in the chain") {
        fixture f;
        const auto presented = session({&f.leaf, &f.pki.intermediate, &f.pki.root});
        const auto by_intermediate = policy::evaluate_dane(
            secure({tlsa(2, sel::spki, mt::sha256, f.pki.intermediate)}), presented, started_at);
        CHECK(by_intermediate.authenticated);
        CHECK(by_intermediate.records[0].matched_depth == 1);
        CHECK(by_intermediate.result_types.empty());

        const auto by_root = policy::evaluate_dane(
            secure({tlsa(2, sel::cert, mt::sha256, f.pki.root)}), presented, started_at);
        CHECK(by_root.authenticated);
        CHECK(by_root.records[0].matched_depth == 2);

        const test_pki stranger = test_pki::create();
        for (const sel s : {sel::spki, sel::cert}) {
            const auto none = policy::evaluate_dane(
                secure({tlsa(2, s, mt::sha256, stranger.intermediate)}), presented, started_at);
            CHECK_FALSE(none.matched);
            CHECK(type_list(none.result_types) == "tlsa-invalid");
        }
    }

    TEST_CASE("DANE-TA not sent in the chain: tlsa-invalid (the server must send it)") {
        fixture f;
        const auto v = policy::evaluate_dane(secure({tlsa(2, sel::cert, mt::sha256, f.pki.root)}),
                                             session({&f.leaf, &f.pki.intermediate}), started_at);
        CHECK_FALSE(v.matched);
        CHECK(type_list(v.result_types) == "tlsa-invalid");
    }

    TEST_CASE("DANE-TA appended to a chain it did not issue is not a trust anchor") {
        fixture f;
        const test_pki stranger = test_pki::create();
        const auto v =
            policy::evaluate_dane(secure({tlsa(2, sel::spki, mt::sha256, stranger.intermediate)}),
                                  session({&f.leaf, &stranger.intermediate}), started_at);
        CHECK_FALSE(v.matched);
        CHECK_FALSE(v.records[0].rejection.empty());
        CHECK(type_list(v.result_types) == "tlsa-invalid");
    }

    TEST_CASE("DANE-TA with a name mismatch: certificate-host-mismatch") {
        fixture f;
        const auto v =
            policy::evaluate_dane(secure({tlsa(2, sel::spki, mt::sha256, f.pki.intermediate)}),
                                  session({&f.other, &f.pki.intermediate}, false), started_at);
        CHECK(v.matched);
        CHECK_FALSE(v.authenticated);
        CHECK(type_list(v.result_types) == "certificate-host-mismatch");
    }

    TEST_CASE("DANE-TA checks dates on the path: expired leaf, leaf not yet valid") {
        fixture f;
        cert_spec old = leaf_spec();
        old.not_before_offset = std::chrono::hours(-24 * 400);
        old.not_after_offset = std::chrono::hours(-24);
        const issued expired = f.pki.leaf(old);
        const auto record = tlsa(2, sel::spki, mt::sha256, f.pki.intermediate);
        const auto v1 = policy::evaluate_dane(secure({record}),
                                              session({&expired, &f.pki.intermediate}), started_at);
        CHECK(v1.matched);
        CHECK(type_list(v1.result_types) == "certificate-expired");

        cert_spec future = leaf_spec();
        future.not_before_offset = std::chrono::hours(24);
        const issued early = f.pki.leaf(future);
        const auto v2 = policy::evaluate_dane(secure({record}),
                                              session({&early, &f.pki.intermediate}), started_at);
        CHECK(type_list(v2.result_types) == "certificate-not-trusted");
    }

    TEST_CASE("one matching record is enough, whatever the others say") {
        fixture f;
        const auto v =
            policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.other),
                                          tlsa(2, sel::spki, mt::sha256, f.pki.intermediate)}),
                                  session({&f.leaf, &f.pki.intermediate}), started_at);
        CHECK(v.authenticated);
        CHECK(v.usable == 2);
        CHECK_FALSE(v.records[0].matched);
        CHECK(v.records[1].matched);
    }

    TEST_CASE("digest agility: a 3 1 1 match does not count next to a 3 1 2 record") {
        fixture f;
        const auto v = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.leaf),
                                                     tlsa(3, sel::spki, mt::sha512, f.other)}),
                                             session({&f.leaf}), started_at);
        CHECK(v.usable == 1);
        CHECK_FALSE(v.records[0].usable);
        CHECK_FALSE(v.authenticated);
        CHECK(type_list(v.result_types) == "tlsa-invalid");
    }

    TEST_CASE("PKIX-TA and PKIX-EE only: secure but unusable RRset, tlsa-invalid") {
        fixture f;
        const auto v = policy::evaluate_dane(secure({tlsa(1, sel::spki, mt::sha256, f.leaf),
                                                     tlsa(0, sel::cert, mt::sha256, f.pki.root)}),
                                             session({&f.leaf, &f.pki.intermediate}), started_at);
        CHECK(v.status == dane_status::applies);
        CHECK(v.usable == 0);
        CHECK_FALSE(v.matched);
        CHECK(type_list(v.result_types) == "tlsa-invalid");
    }

    TEST_CASE("a wrong digest length makes the only record unusable") {
        fixture f;
        std::string short_data = association(f.leaf, sel::spki, mt::sha256).substr(2);
        const auto v = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, short_data)}),
                                             session({&f.leaf}), started_at);
        CHECK(v.usable == 0);
        CHECK(type_list(v.result_types) == "tlsa-invalid");
    }

    TEST_CASE("an insecure TLSA answer is ignored, even when it would match or fail") {
        fixture f;
        for (const auto* cert : {&f.leaf, &f.other}) {
            auto lookup = secure({tlsa(3, sel::spki, mt::sha256, *cert)});
            lookup.authenticated = false;
            const auto v = policy::evaluate_dane(lookup, session({&f.leaf}), started_at);
            CHECK(v.status == dane_status::insecure);
            CHECK_FALSE(v.tlsa_secure);
            CHECK_FALSE(v.matched);
            CHECK(v.result_types.empty());
            CHECK_FALSE(v.decides());
        }
    }

    TEST_CASE("denial, failure, bogus, not looked up, insecure addresses") {
        fixture f;
        const auto presented = session({&f.leaf});
        policy::tlsa_lookup l;
        l.state = tlsa_lookup_state::no_records;
        l.authenticated = true;
        auto v = policy::evaluate_dane(l, presented, started_at);
        CHECK(v.status == dane_status::no_records);
        CHECK(v.tlsa_secure);
        CHECK(v.result_types.empty());
        CHECK_FALSE(v.decides());

        l.state = tlsa_lookup_state::failed;
        l.authenticated = false;
        l.detail = "timeout";
        v = policy::evaluate_dane(l, presented, started_at);
        CHECK(v.status == dane_status::lookup_failed);
        CHECK(v.result_types.empty());
        CHECK(v.detail.find("timeout") != std::string::npos);

        l.state = tlsa_lookup_state::bogus;
        v = policy::evaluate_dane(l, presented, started_at);
        CHECK(v.status == dane_status::dnssec_invalid);
        CHECK(type_list(v.result_types) == "dnssec-invalid");
        CHECK(v.decides());

        l.state = tlsa_lookup_state::not_looked_up;
        v = policy::evaluate_dane(l, presented, started_at);
        CHECK(v.status == dane_status::not_looked_up);
        CHECK(v.result_types.empty());

        policy::dane_options insecure_addresses;
        insecure_addresses.addresses_secure = false;
        v = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.other)}), presented,
                                  started_at, insecure_addresses);
        CHECK(v.status == dane_status::insecure_addresses);
        CHECK(v.result_types.empty());
    }

    TEST_CASE("DANE required: dane-required unless a secure usable RRset exists") {
        fixture f;
        policy::dane_options required;
        required.required = true;
        const auto presented = session({&f.leaf});
        policy::tlsa_lookup none;
        none.state = tlsa_lookup_state::no_records;
        none.authenticated = true;
        CHECK(
            type_list(policy::evaluate_dane(none, presented, started_at, required).result_types) ==
            "dane-required");
        auto insecure = secure({tlsa(3, sel::spki, mt::sha256, f.leaf)});
        insecure.authenticated = false;
        CHECK(type_list(
                  policy::evaluate_dane(insecure, presented, started_at, required).result_types) ==
              "dane-required");
        const auto good = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.leaf)}),
                                                presented, started_at, required);
        CHECK(good.result_types.empty());
        // Without the option the same missing records are no failure at all.
        CHECK(policy::evaluate_dane(none, presented, started_at).result_types.empty());
    }

    TEST_CASE("no TLS session: nothing to match, anonymous suite: tlsa-invalid") {
        fixture f;
        const auto lookup = secure({tlsa(3, sel::spki, mt::sha256, f.leaf)});
        probe::session_result no_tls = session({&f.leaf});
        no_tls.tls.reset();
        no_tls.certificate.reset();
        const auto v = policy::evaluate_dane(lookup, no_tls, started_at);
        CHECK(v.status == dane_status::applies);
        CHECK(v.result_types.empty());
        CHECK(v.decides());

        probe::session_result anonymous = session({});
        CHECK(type_list(policy::evaluate_dane(lookup, anonymous, started_at).result_types) ==
              "tlsa-invalid");
    }

    TEST_CASE("apply_dane: a self-signed leaf matching 3 1 1 is not certificate-not-trusted "
              "for a DANE sender, but stays so for WebPKI") {
        const issued self = make_self_signed(leaf_spec());
        auto presented = session({&self});
        presented.certificate->other_errors = true; // what OpenSSL reports for self-signed
        auto verdict = policy::evaluate_host(presented, started_at);
        REQUIRE(type_list(verdict.result_types) == "certificate-not-trusted");
        REQUIRE(verdict.overall == policy::severity::critical);
        CHECK(verdict.effective_result_types == verdict.result_types);

        const auto dane = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, self)}),
                                                presented, started_at);
        policy::apply_dane(dane, verdict);
        CHECK(type_list(verdict.result_types) == "certificate-not-trusted");
        CHECK(verdict.effective_result_types.empty());
        CHECK(verdict.effective_policy == "dane");
        CHECK(verdict.overall == policy::severity::warning);
    }

    TEST_CASE("apply_dane: DANE failure is critical even when WebPKI passes, no DANE, no "
              "change") {
        fixture f;
        const auto presented = session({&f.leaf, &f.pki.intermediate});
        auto verdict = policy::evaluate_host(presented, started_at);
        REQUIRE(verdict.result_types.empty());
        auto failing = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.other)}),
                                             presented, started_at);
        policy::apply_dane(failing, verdict);
        CHECK(type_list(verdict.effective_result_types) == "tlsa-invalid");
        CHECK(verdict.result_types.empty());
        CHECK(verdict.overall == policy::severity::critical);

        auto plain = policy::evaluate_host(presented, started_at);
        policy::tlsa_lookup none;
        none.state = tlsa_lookup_state::no_records;
        policy::apply_dane(policy::evaluate_dane(none, presented, started_at), plain);
        CHECK(plain.effective_policy == "webpki");
        CHECK(plain.effective_result_types.empty());
        CHECK(plain.overall == policy::severity::ok);
    }

    TEST_CASE("apply_dane keeps session failures: no STARTTLS under DANE") {
        fixture f;
        probe::session_result no_tls = session({&f.leaf});
        no_tls.tls.reset();
        no_tls.certificate.reset();
        no_tls.starttls_offered = no_tls.starttls_accepted = false;
        no_tls.outcome = probe::status::starttls_not_offered;
        auto verdict = policy::evaluate_host(no_tls, started_at);
        policy::apply_dane(policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.leaf)}),
                                                 no_tls, started_at),
                           verdict);
        CHECK(type_list(verdict.effective_result_types) == "starttls-not-supported");
        CHECK(verdict.effective_policy == "dane");
    }

    TEST_CASE("to_json: status, records with their verdicts, counts and result types") {
        fixture f;
        const auto v = policy::evaluate_dane(secure({tlsa(3, sel::spki, mt::sha256, f.leaf),
                                                     tlsa(1, sel::spki, mt::sha256, f.leaf)}),
                                             session({&f.leaf}), started_at);
        const nlohmann::json j = v;
        CHECK(j["status"] == "applies");
        CHECK(j["tlsa_name"] == "_25._tcp.mx.example.com");
        CHECK(j["tlsa_secure"] == true);
        CHECK(j["usable"] == 1);
        CHECK(j["matched"] == true);
        CHECK(j["result_types"].empty());
        REQUIRE(j["records"].size() == 2);
        CHECK(j["records"][0]["usage"] == 3);
        CHECK(j["records"][0]["matched_depth"] == 0);
        CHECK(j["records"][1]["usable"] == false);
        CHECK(j["records"][1].contains("unusable_reason"));
        CHECK_FALSE(j["records"][1].contains("matched_depth"));
    }
}
