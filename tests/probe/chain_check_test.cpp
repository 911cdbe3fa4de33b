// check_chain and new_trust_store against chains made at test time: trust, completeness,
// order, validity times and RFC 9525 host name matching.

#include "probe/chain_check.hpp"
#include "tests/support/cert_specs.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_time.hpp"

#include <stdexcept>
#include <string>

#include <doctest/doctest.h>
#include <openssl/x509_vfy.h>

using namespace mxprobe_test;

namespace {

probe::chain_verdict check(const std::vector<const issued*>& chain, const issued& root,
                           const std::string& host = "mx.example.com") {
    const auto store = store_with({&root});
    const auto stack = stack_of(chain);
    return probe::check_chain(stack.get(), store.get(), host);
}

bool has_error(const probe::chain_verdict& v, int code, int depth) {
    for (const auto& e : v.errors) {
        if (e.code == code && e.depth == depth) {
            return true;
        }
    }
    return false;
}

// Whether a leaf carrying these SAN dNSNames matches `host`.
bool matches(const std::vector<std::string>& dns, const std::string& host) {
    const auto pki = test_pki::create();
    const auto leaf = pki.leaf(mx_spec(dns));
    return check({&leaf, &pki.intermediate}, pki.root, host).hostname_match;
}

} // namespace

TEST_SUITE("probe.chain_check") {

    TEST_CASE("leaf + intermediate, root in the store → trusted, complete, in order") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf, &pki.intermediate}, pki.root);
        CHECK(v.trusted);
        CHECK(v.verify_code == X509_V_OK);
        CHECK(v.verify_error.empty());
        CHECK(v.errors.empty());
        CHECK(v.hostname_match);
        CHECK(v.chain_complete);
        CHECK_FALSE(v.missing_intermediate);
        CHECK_FALSE(v.untrusted_root);
        CHECK_FALSE(v.expired);
        CHECK_FALSE(v.other_errors);
        CHECK(v.chain_in_order);
        CHECK(v.order_problems.empty());
        CHECK(v.verified_chain_length == 3);
    }

    TEST_CASE("the root sent along as well → still trusted and in order") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf, &pki.intermediate, &pki.root}, pki.root);
        CHECK(v.trusted);
        CHECK(v.chain_in_order);
        CHECK(v.verified_chain_length == 3);
    }

    TEST_CASE("leaf without its intermediate → missing_intermediate, chain not complete") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf}, pki.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.missing_intermediate);
        CHECK_FALSE(v.chain_complete);
        CHECK_FALSE(v.untrusted_root);
        CHECK(v.other_errors);
        CHECK(v.verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        CHECK(v.verify_error_depth == 0);
        CHECK(v.hostname_match); // the name is still right
    }

    TEST_CASE("chain up to a root the store does not know → untrusted_root, complete") {
        const auto pki = test_pki::create();
        const auto other = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf, &pki.intermediate}, other.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.untrusted_root);
        CHECK(v.chain_complete);
        CHECK_FALSE(v.missing_intermediate);
        CHECK(v.other_errors);
        CHECK(has_error(v, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1));
    }

    TEST_CASE("unknown root sent along by the server → self-signed in chain, untrusted_root") {
        const auto pki = test_pki::create();
        const auto other = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf, &pki.intermediate, &pki.root}, other.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.untrusted_root);
        CHECK(v.chain_complete);
        CHECK(has_error(v, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 2));
    }

    // From the presented certificates alone, a chain whose top CA's issuer is unknown looks
    // the same whether that issuer is an unsent intermediate or an untrusted root; only
    // fetching the AIA caIssuers URL could tell (a probe in the lab must not). Both are
    // reported as the common case, an untrusted root, and the certificate is not trusted.
    TEST_CASE("two-level CA, upper intermediate not sent → untrusted, reported as unknown root") {
        const auto pki = test_pki::create();
        cert_spec lower;
        lower.common_name = "mxprobe lower intermediate";
        lower.is_ca = true;
        const auto lower_ca = make_issued(lower, pki.intermediate);
        const auto leaf = make_issued(mx_spec(), lower_ca);
        const auto v = check({&leaf, &lower_ca}, pki.root);
        CHECK_FALSE(v.trusted);
        CHECK(has_error(v, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 1));
        CHECK_FALSE(v.missing_intermediate);
        CHECK(v.untrusted_root);
    }

    TEST_CASE("two-level CA sent in full → trusted, chain of four") {
        const auto pki = test_pki::create();
        cert_spec lower;
        lower.common_name = "mxprobe lower intermediate";
        lower.is_ca = true;
        const auto lower_ca = make_issued(lower, pki.intermediate);
        const auto leaf = make_issued(mx_spec(), lower_ca);
        const auto v = check({&leaf, &lower_ca, &pki.intermediate}, pki.root);
        CHECK(v.trusted);
        CHECK(v.chain_in_order);
        CHECK(v.verified_chain_length == 4);
    }

    TEST_CASE("self-signed leaf → depth-zero self-signed, untrusted_root, not missing anything") {
        const auto pki = test_pki::create();
        const auto own = make_self_signed(mx_spec());
        const auto v = check({&own}, pki.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.verify_code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
        CHECK(v.verify_error_depth == 0);
        CHECK(v.untrusted_root);
        CHECK(v.chain_complete);
        CHECK_FALSE(v.missing_intermediate);
        CHECK(v.other_errors);
        CHECK(v.hostname_match);
    }

    TEST_CASE("expired leaf in a trusted chain → expired, no other errors") {
        const auto pki = test_pki::create();
        auto spec = mx_spec();
        spec.not_before_offset = -90 * one_day;
        spec.not_after_offset = -1 * one_day;
        const auto leaf = pki.leaf(spec);
        const auto v = check({&leaf, &pki.intermediate}, pki.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.expired);
        CHECK_FALSE(v.not_yet_valid);
        CHECK_FALSE(v.other_errors);
        CHECK(v.verify_code == X509_V_ERR_CERT_HAS_EXPIRED);
        CHECK(v.verify_error_depth == 0);
        CHECK(v.chain_complete);
        CHECK_FALSE(v.untrusted_root);
    }

    TEST_CASE("leaf valid only from tomorrow → not_yet_valid, no other errors") {
        const auto pki = test_pki::create();
        auto spec = mx_spec();
        spec.not_before_offset = one_day;
        const auto leaf = pki.leaf(spec);
        const auto v = check({&leaf, &pki.intermediate}, pki.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.not_yet_valid);
        CHECK_FALSE(v.expired);
        CHECK_FALSE(v.other_errors);
        CHECK(v.verify_code == X509_V_ERR_CERT_NOT_YET_VALID);
    }

    TEST_CASE("expired intermediate → expired at depth 1, leaf itself fine") {
        cert_spec root_spec;
        root_spec.common_name = "old root";
        root_spec.is_ca = true;
        const auto root = make_self_signed(root_spec);
        cert_spec ca_spec;
        ca_spec.common_name = "old intermediate";
        ca_spec.is_ca = true;
        ca_spec.not_before_offset = -400 * one_day;
        ca_spec.not_after_offset = -2 * one_day;
        const auto intermediate = make_issued(ca_spec, root);
        const auto leaf = make_issued(mx_spec(), intermediate);
        const auto v = check({&leaf, &intermediate}, root);
        CHECK_FALSE(v.trusted);
        CHECK(v.expired);
        CHECK_FALSE(v.other_errors);
        CHECK(has_error(v, X509_V_ERR_CERT_HAS_EXPIRED, 1));
        CHECK_FALSE(has_error(v, X509_V_ERR_CERT_HAS_EXPIRED, 0));
    }

    TEST_CASE("leaf whose EKU is clientAuth only → invalid purpose for a server") {
        const auto pki = test_pki::create();
        auto spec = mx_spec();
        spec.server_auth_eku = false;
        const auto leaf = pki.leaf(spec);
        const auto v = check({&leaf, &pki.intermediate}, pki.root);
        CHECK_FALSE(v.trusted);
        CHECK(v.other_errors);
        CHECK(has_error(v, X509_V_ERR_INVALID_PURPOSE, 0));
    }

    TEST_CASE("root sent before the intermediate → out of order, still trusted") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf, &pki.root, &pki.intermediate}, pki.root);
        CHECK(v.trusted); // OpenSSL builds the path from the presented set in any order
        CHECK_FALSE(v.chain_in_order);
        CHECK(v.order_problems.size() == 2);
    }

    TEST_CASE("intermediate sent first → out of order, the first certificate is taken as leaf") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&pki.intermediate, &leaf}, pki.root);
        CHECK_FALSE(v.chain_in_order);
        REQUIRE(v.order_problems.size() == 1);
        CHECK(v.order_problems[0] == "certificate 2 did not issue certificate 1");
        CHECK_FALSE(v.hostname_match); // a TLS client reads the first certificate as the server's
    }

    TEST_CASE("extra unrelated certificate at the end → trusted, but not in order") {
        const auto pki = test_pki::create();
        const auto stranger = make_self_signed(mx_spec({"other.example.net"}));
        const auto leaf = pki.leaf(mx_spec());
        const auto v = check({&leaf, &pki.intermediate, &stranger}, pki.root);
        CHECK(v.trusted);
        CHECK(v.chain_complete);
        CHECK_FALSE(v.chain_in_order);
        REQUIRE(v.order_problems.size() == 1);
        CHECK(v.order_problems[0] == "certificate 3 did not issue certificate 2");
    }

    TEST_CASE("host name: exact SAN match, compared case-insensitively") {
        CHECK(matches({"mx.example.com"}, "mx.example.com"));
        CHECK(matches({"MX.Example.COM"}, "mx.example.com"));
        CHECK(matches({"mx.example.com"}, "Mx.EXAMPLE.com"));
        CHECK(matches({"other.example.com", "mx.example.com"}, "mx.example.com"));
        CHECK_FALSE(matches({"mx.example.com"}, "mx2.example.com"));
        CHECK_FALSE(matches({"mx.example.com"}, "example.com"));
    }

    TEST_CASE("host name: *.example.com matches exactly one left-most label") {
        CHECK(matches({"*.example.com"}, "mx.example.com"));
        CHECK_FALSE(matches({"*.example.com"}, "example.com"));
        CHECK_FALSE(matches({"*.example.com"}, "a.b.example.com"));
        CHECK_FALSE(matches({"mx.*.com"}, "mx.example.com"));
        CHECK_FALSE(matches({"*.*.com"}, "mx.example.com"));
    }

    TEST_CASE("host name: partial-label wildcards never match (RFC 9525)") {
        CHECK_FALSE(matches({"m*.example.com"}, "mx.example.com"));
        CHECK_FALSE(matches({"*x.example.com"}, "mx.example.com"));
        CHECK_FALSE(matches({"m*x.example.com"}, "mx.example.com"));
    }

    TEST_CASE("host name: A-labels compare as plain ASCII labels") {
        CHECK(matches({"xn--bcher-kva.example.com"}, "xn--bcher-kva.example.com"));
        CHECK(matches({"XN--BCHER-KVA.example.com"}, "xn--bcher-kva.example.com"));
        CHECK_FALSE(matches({"xn--bcher-kva.example.com"}, "bcher-kva.example.com"));
    }

    TEST_CASE("host name: a wildcard never stands for an A-label (NAME-9)") {
        CHECK_FALSE(matches({"*.example.com"}, "xn--bcher-kva.example.com"));
    }

    TEST_CASE("host name: a wildcard directly above a TLD never matches") {
        CHECK_FALSE(matches({"*.com"}, "example.com"));
    }

    TEST_CASE("host name: the subject CN is never used, even without any SAN") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec({}));
        const auto v = check({&leaf, &pki.intermediate}, pki.root);
        CHECK(v.trusted); // trust and name are separate verdicts
        CHECK_FALSE(v.hostname_match);
    }

    // NAME-10: one trailing root dot of the reference name is removed before comparing. A
    // SAN written with a trailing dot is malformed (RFC 5280 §4.2.1.6) and never matches.
    TEST_CASE("host name: a trailing dot on the host name is ignored (NAME-10)") {
        CHECK(matches({"mx.example.com"}, "mx.example.com."));
        CHECK(matches({"mx.example.com"}, "MX.Example.COM."));
        CHECK_FALSE(matches({"mx.example.com."}, "mx.example.com"));
        CHECK_FALSE(matches({"mx.example.com"}, "."));
    }

    TEST_CASE("no certificate presented → untrusted, no match, a clear reason") {
        const auto pki = test_pki::create();
        const auto store = store_with({&pki.root});
        const auto empty = stack_of({});
        for (stack_st_X509* presented : {empty.get(), static_cast<stack_st_X509*>(nullptr)}) {
            const auto v = probe::check_chain(presented, store.get(), "mx.example.com");
            CHECK_FALSE(v.trusted);
            CHECK_FALSE(v.hostname_match);
            CHECK_FALSE(v.chain_complete);
            CHECK(v.verify_error == "no certificate presented");
        }
    }

    TEST_CASE("new_trust_store loads a PEM bundle that then verifies the chain") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const probe::x509_store_ptr store(
            probe::new_trust_store(write_temp_file(pki.root.cert_pem())));
        REQUIRE(store);
        const auto stack = stack_of({&leaf, &pki.intermediate});
        CHECK(probe::check_chain(stack.get(), store.get(), "mx.example.com").trusted);
    }

    TEST_CASE("new_trust_store with a missing file → runtime_error naming file and reason") {
        const std::string path = write_temp_file("") + ".does-not-exist";
        try {
            const probe::x509_store_ptr store(probe::new_trust_store(path));
            FAIL("no exception for " << path);
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            CHECK_MESSAGE(what.find(path) != std::string::npos, what);
            CHECK_MESSAGE(what.find("no such file") != std::string::npos, what);
        }
    }

    TEST_CASE("new_trust_store with a file holding no certificate → runtime_error") {
        const std::string path = write_temp_file("not a certificate\n");
        try {
            const probe::x509_store_ptr store(probe::new_trust_store(path));
            FAIL("no exception for " << path);
        } catch (const std::runtime_error& e) {
            const std::string what = e.what();
            CHECK_MESSAGE(what.find(path) != std::string::npos, what);
            CHECK_MESSAGE(what.find("no certificate or crl found") != std::string::npos, what);
        }
    }
}
