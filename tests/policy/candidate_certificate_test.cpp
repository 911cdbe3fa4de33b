// The chain checks of `check-cert` on certificate sets made at test time, one set per
// failure: order, trust (missing intermediate, untrusted root, self-signed), key mismatch,
// dates (expired, not yet valid, fewer than --min-days, an intermediate that expires first),
// RSA-1024, SHA-1, no serverAuth EKU.

#include "policy/candidate_certificate.hpp"
#include "probe/candidate_chain.hpp"
#include "probe/cert_info.hpp"
#include "probe/key_file.hpp"
#include "tests/policy/check_status_print.hpp"
#include "tests/support/cert_specs.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_time.hpp"
#include "tests/support/text_match.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace mxprobe_test;
using policy::check_status;

namespace {

// A candidate as check-cert sees it: the file's certificates in the order given, the
// issuing order worked out, and OpenSSL's verdict against `root`.
struct candidate {
    std::vector<probe::cert_info> file;
    probe::chain_order order;
    std::vector<probe::cert_info> path;
    probe::candidate_verdict verdict;

    candidate(const std::vector<const issued*>& certs, const issued& root) {
        for (const auto* c : certs) {
            file.push_back(probe::describe_certificate(c->cert.get()));
        }
        order = probe::order_chain(file);
        path = probe::path_certificates(file, order);
        const auto store = store_with({&root});
        verdict = probe::verify_candidate(file, order, store.get(), "mx.example.com");
    }
};

probe::key_file key_of(const issued& c) {
    const std::string pem = c.key_pem();
    const auto r = probe::parse_key_file(
        {reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()}, "key.pem");
    REQUIRE(r.key.has_value());
    return *r.key;
}

} // namespace

TEST_SUITE("policy.candidate_certificate") {

    TEST_CASE("a sound chain: every chain check ok") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const candidate c({&leaf, &pki.intermediate}, pki.root);
        const policy::candidate_thresholds t;
        const auto order = policy::check_chain_order(c.file, c.order);
        CHECK(order.status == check_status::ok);
        CHECK(contains(order.message,
                       "1 leaf mx.example.com, 2 intermediate mxprobe test intermediate"));
        const auto trust = policy::check_chain_trust(c.path, c.verdict);
        CHECK(trust.status == check_status::ok);
        CHECK(contains(trust.message, "path of 3"));
        CHECK(policy::check_key_match(c.path.front(), key_of(leaf)).status == check_status::ok);
        const auto validity = policy::check_validity(c.path, started_at, t);
        CHECK(validity.status == check_status::ok);
        CHECK(contains(validity.message, "90 days left"));
        CHECK(policy::check_key_strength(c.path, t).status == check_status::ok);
        CHECK(policy::check_signatures(c.path).status == check_status::ok);
        CHECK(policy::check_server_auth(c.path, c.verdict.purpose_error).status ==
              check_status::ok);
    }

    TEST_CASE("reversed order: warn, with the order found and the one to write") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const candidate c({&pki.intermediate, &leaf}, pki.root);
        const auto check = policy::check_chain_order(c.file, c.order);
        CHECK(check.status == check_status::warn);
        CHECK(contains(check.message, "found [1 intermediate mxprobe test intermediate, 2 leaf "
                                      "mx.example.com]"));
        CHECK(contains(check.message, "write it as [2, 1]"));
        // Order does not change trust: a server would still be verifiable.
        CHECK(policy::check_chain_trust(c.path, c.verdict).status == check_status::ok);
    }

    TEST_CASE("a certificate off the path: warn naming it, an included root is fine") {
        const auto pki = test_pki::create();
        const auto other = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const candidate stray({&leaf, &pki.intermediate, &other.intermediate}, pki.root);
        const auto check = policy::check_chain_order(stray.file, stray.order);
        CHECK(check.status == check_status::warn);
        CHECK(contains(check.message, "certificate(s) 3 are not on the leaf's issuing path"));
        const candidate with_root({&leaf, &pki.intermediate, &pki.root}, pki.root);
        const auto root = policy::check_chain_order(with_root.file, with_root.order);
        CHECK(root.status == check_status::ok);
        CHECK(contains(root.message, "the root is included"));
    }

    TEST_CASE("missing intermediate: fail, naming the issuer to add") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const candidate c({&leaf}, pki.root);
        const auto check = policy::check_chain_trust(c.path, c.verdict);
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "incomplete: nothing in the file issued mx.example.com "
                                      "(issuer CN=mxprobe test intermediate)"));
    }

    TEST_CASE("untrusted root: fail, whether the root is in the file or not") {
        const auto pki = test_pki::create();
        const auto other = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const candidate without({&leaf, &pki.intermediate}, other.root);
        const auto a = policy::check_chain_trust(without.path, without.verdict);
        CHECK(a.status == check_status::fail);
        CHECK(contains(a.message, "whose issuer CN=mxprobe test root is not in the trust store"));
        const candidate with({&leaf, &pki.intermediate, &pki.root}, other.root);
        const auto b = policy::check_chain_trust(with.path, with.verdict);
        CHECK(b.status == check_status::fail);
        CHECK(contains(b.message, "ends at the root CN=mxprobe test root, which is not in the "
                                  "trust store"));
    }

    TEST_CASE("a self-signed leaf: fail") {
        const auto pki = test_pki::create();
        const auto self = make_self_signed(mx_spec());
        const candidate c({&self}, pki.root);
        const auto check = policy::check_chain_trust(c.path, c.verdict);
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "is self-signed"));
    }

    TEST_CASE("a key that is not the leaf's: fail with both SPKI digests") {
        const auto pki = test_pki::create();
        const auto leaf = pki.leaf(mx_spec());
        const auto stranger = pki.leaf(mx_spec());
        const candidate c({&leaf, &pki.intermediate}, pki.root);
        const auto check = policy::check_key_match(c.path.front(), key_of(stranger));
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "is not the leaf's"));
        CHECK(contains(check.message, c.path.front().spki_sha256.substr(0, 16)));
    }

    TEST_CASE("expired, not yet valid, fewer than --min-days: fail each") {
        const auto pki = test_pki::create();
        const policy::candidate_thresholds t; // 14 days
        cert_spec expired = mx_spec();
        expired.not_before_offset = -30 * one_day;
        expired.not_after_offset = -2 * one_day;
        cert_spec early = mx_spec();
        early.not_before_offset = 3 * one_day;
        cert_spec short_lived = mx_spec();
        short_lived.not_after_offset = 10 * one_day + std::chrono::seconds(3600);
        for (const auto& [spec, expected] : std::vector<std::pair<cert_spec, std::string>>{
                 {expired, "leaf mx.example.com expired on"},
                 {early, "leaf mx.example.com is not valid before"},
                 {short_lived, "10 day(s) from now: fewer than the 14 required (--min-days)"}}) {
            const auto leaf = pki.leaf(spec);
            const candidate c({&leaf, &pki.intermediate}, pki.root);
            const auto check = policy::check_validity(c.path, started_at, t);
            CHECK(check.status == check_status::fail);
            CHECK_MESSAGE(contains(check.message, expected), check.message);
        }
        // The same short-lived leaf passes a lower threshold.
        const auto leaf = pki.leaf(short_lived);
        const candidate c({&leaf, &pki.intermediate}, pki.root);
        policy::candidate_thresholds lenient;
        lenient.min_days = 7;
        CHECK(policy::check_validity(c.path, started_at, lenient).status == check_status::ok);
    }

    TEST_CASE("an intermediate that expires before the leaf decides the remaining days") {
        cert_spec root_spec;
        root_spec.common_name = "short root";
        root_spec.is_ca = true;
        const auto root = make_self_signed(root_spec);
        cert_spec ca_spec;
        ca_spec.common_name = "short intermediate";
        ca_spec.is_ca = true;
        ca_spec.not_after_offset = 5 * one_day;
        const auto ca = make_issued(ca_spec, root);
        const auto leaf = make_issued(mx_spec(), ca);
        const candidate c({&leaf, &ca}, root);
        const auto check = policy::check_validity(c.path, started_at, {});
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "intermediate short intermediate expires on"));
    }

    TEST_CASE("RSA-1024 leaf: fail, RSA-2048 ok") {
        const auto pki = test_pki::create();
        cert_spec weak = mx_spec();
        weak.key = key_kind::rsa;
        weak.rsa_bits = 1024;
        const auto leaf = pki.leaf(weak);
        const candidate c({&leaf, &pki.intermediate}, pki.root);
        const auto check = policy::check_key_strength(c.path, {});
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "leaf mx.example.com has a RSA 1024-bit key"));
        cert_spec fine = mx_spec();
        fine.key = key_kind::rsa;
        const auto rsa = pki.leaf(fine);
        const candidate ok({&rsa, &pki.intermediate}, pki.root);
        const auto good = policy::check_key_strength(ok.path, {});
        CHECK(good.status == check_status::ok);
        CHECK(contains(good.message, "leaf RSA 2048"));
    }

    TEST_CASE("SHA-1 signature on the leaf: fail, on a root in the file: ignored") {
        const auto pki = test_pki::create();
        cert_spec sha1 = mx_spec();
        sha1.digest = EVP_sha1;
        const auto leaf = pki.leaf(sha1);
        const candidate c({&leaf, &pki.intermediate}, pki.root);
        const auto check = policy::check_signatures(c.path);
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "leaf mx.example.com is signed with ecdsa-with-SHA1"));

        cert_spec old_root_spec;
        old_root_spec.common_name = "sha1 root";
        old_root_spec.is_ca = true;
        old_root_spec.digest = EVP_sha1;
        const auto old_root = make_self_signed(old_root_spec);
        const auto modern = make_issued(mx_spec(), old_root);
        const candidate rooted({&modern, &old_root}, old_root);
        CHECK(policy::check_signatures(rooted.path).status == check_status::ok);
    }

    TEST_CASE("no serverAuth EKU: fail") {
        const auto pki = test_pki::create();
        cert_spec client = mx_spec();
        client.server_auth_eku = false;
        const auto leaf = pki.leaf(client);
        const candidate c({&leaf, &pki.intermediate}, pki.root);
        CHECK(c.verdict.purpose_error);
        const auto check = policy::check_server_auth(c.path, c.verdict.purpose_error);
        CHECK(check.status == check_status::fail);
        CHECK(contains(check.message, "lacks serverAuth"));
        // Trust is judged apart from the purpose.
        CHECK(policy::check_chain_trust(c.path, c.verdict).status == check_status::ok);
    }

    TEST_CASE("short_name: the CN, or the whole subject without one") {
        probe::cert_info c;
        c.subject = "CN=mx.example.com,O=Example";
        CHECK(policy::short_name(c) == "mx.example.com");
        c.subject = "O=Example,CN=mx.example.com";
        CHECK(policy::short_name(c) == "mx.example.com");
        c.subject = "O=Example";
        CHECK(policy::short_name(c) == "O=Example");
        c.subject = "";
        CHECK(policy::short_name(c) == "(empty subject)");
    }

    TEST_CASE("worst, date_text and duration_text") {
        using policy::check;
        // Typed: a bare {} would also fit the overload for findings, where both are declared.
        CHECK(policy::worst(std::vector<check>{}) == check_status::ok);
        CHECK(policy::worst({check{"a", "", check_status::warn, "", {}},
                             check{"b", "", check_status::fail, "", {}}}) == check_status::fail);
        CHECK(policy::worst({check{"a", "", check_status::unknown, "", {}},
                             check{"b", "", check_status::fail, "", {}}}) == check_status::fail);
        CHECK(policy::worst({check{"a", "", check_status::unknown, "", {}},
                             check{"b", "", check_status::warn, "", {}}}) == check_status::unknown);
        CHECK(policy::date_text(0) == "1970-01-01");
        CHECK(policy::duration_text(3600) == "3600 s (1 hour)");
        CHECK(policy::duration_text(86400) == "86400 s (1 day)");
        CHECK(policy::duration_text(300) == "300 s (5 minutes)");
        CHECK(policy::duration_text(7) == "7 s");
    }
}
