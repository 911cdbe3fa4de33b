// `mxprobe check-cert` end to end on candidate chains with one fault each, against the
// loopback world of check_cert_world.hpp (example.test with MX mx1 and mx2, MTA-STS in
// enforce mode listing both). Each case asserts the exit status, that exactly the expected
// check is not ok, and that the JSON document follows its schema.

#include "tests/support/test_time.hpp"
#include "tests/support/text_match.hpp"
#include "tests/tools/check_cert_world.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace mxprobe_test;

namespace {

using strings = std::vector<std::string>;

std::string domain_args(const std::string& chain) {
    return "--chain " + shell_quote(chain) + " --domain " + test_domain;
}

// A leaf of the world's CA for mx1 and mx2, changed by `change`, checked with --domain.
template <class Change> check_cert_run run_with_leaf(check_cert_world& w, Change change) {
    cert_spec spec = mx_cert_spec();
    change(spec);
    const auto leaf = w.pki.leaf(spec);
    return w.run(domain_args(w.good_chain(leaf)));
}

} // namespace

TEST_SUITE("tools.check_cert") {

    TEST_CASE("a sound candidate with its key: every check ok, exit 0, schema valid") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const auto r = w.run(domain_args(w.good_chain(leaf)) + " --key " +
                             shell_quote(write_temp_file(leaf.key_pem())));
        CHECK(r.exit_code == 0);
        CHECK(r.doc["schema"] == "mxprobe/check-cert/1");
        CHECK(r.doc["ok"] == true);
        CHECK(r.doc["verdict"] == "ok");
        CHECK(not_ok(r.doc).empty());
        CHECK(r.doc["names"] == strings{mx1, mx2});
        CHECK(r.doc["chain"]["order_correct"] == std::vector<int>{1, 2});
        for (const auto& name :
             {"order", "trust", "key", "validity", "key-strength", "signature", "eku"}) {
            CHECK_MESSAGE(status_of(r.doc, name) == "ok", name);
        }
        CHECK(status_of(r.doc, "mx", test_domain) == "ok");
        CHECK(status_of(r.doc, "name", mx1) == "ok");
        CHECK(status_of(r.doc, "name", mx2) == "ok");
        CHECK(status_of(r.doc, "mta-sts", test_domain) == "ok");
        CHECK(status_of(r.doc, "dane", mx1) == "ok");
        CHECK(valid_against_schema(r.doc));
    }

    TEST_CASE("expired: validity fails, exit 2") {
        check_cert_world w;
        const auto r = run_with_leaf(w, [](cert_spec& s) {
            s.not_before_offset = -60 * one_day;
            s.not_after_offset = -1 * one_day;
        });
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"validity"});
        CHECK(contains(message_of(r.doc, "validity"), "expired on"));
        CHECK(valid_against_schema(r.doc));
    }

    TEST_CASE("not yet valid: validity fails, exit 2") {
        check_cert_world w;
        const auto r = run_with_leaf(w, [](cert_spec& s) { s.not_before_offset = 2 * one_day; });
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"validity"});
        CHECK(contains(message_of(r.doc, "validity"), "is not valid before"));
    }

    TEST_CASE("10 days left: fails the default --min-days 14, passes --min-days 7") {
        check_cert_world w;
        cert_spec spec = mx_cert_spec();
        spec.not_after_offset = 10 * one_day + std::chrono::seconds(3600);
        const auto leaf = w.pki.leaf(spec);
        const auto chain = w.good_chain(leaf);
        const auto r = w.run(domain_args(chain));
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"validity"});
        CHECK(contains(message_of(r.doc, "validity"), "fewer than the 14 required"));
        CHECK(w.run(domain_args(chain) + " --min-days 7").exit_code == 0);
    }

    TEST_CASE("a name dropped from the SAN list: the MX it served fails, exit 2") {
        check_cert_world w;
        const auto r = run_with_leaf(w, [](cert_spec& s) { s.dns_names = {mx1}; });
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"name:" + mx2});
        CHECK(contains(message_of(r.doc, "name", mx2), "is not covered"));
    }

    TEST_CASE("--mx adds a host to check: a name the certificate lacks fails") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const auto r =
            w.run("--chain " + shell_quote(w.good_chain(leaf)) + " --mx mx3.example.test");
        CHECK(r.exit_code == 2);
        CHECK(r.doc["names"] == strings{"mx3.example.test"});
        CHECK(status_of(r.doc, "name", "mx3.example.test") == "fail");
        // No TLSA for the host: NXDOMAIN from a validating resolver.
        CHECK(status_of(r.doc, "dane", "mx3.example.test") == "ok");
    }

    TEST_CASE("missing intermediate: trust fails naming the issuer, exit 2") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const auto r = w.run(domain_args(check_cert_world::chain_file({&leaf})));
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"trust"});
        CHECK(contains(message_of(r.doc, "trust"), "incomplete: nothing in the file issued"));
    }

    TEST_CASE("untrusted root: trust fails, exit 2") {
        check_cert_world w;
        const auto other = test_pki::create();
        const auto leaf = other.leaf(mx_cert_spec());
        const auto r =
            w.run(domain_args(check_cert_world::chain_file({&leaf, &other.intermediate})));
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"trust"});
        CHECK(contains(message_of(r.doc, "trust"), "is not in the trust store"));
    }

    TEST_CASE("a key that does not belong to the leaf: key fails, exit 2") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const auto other = w.pki.leaf(mx_cert_spec());
        const auto r = w.run(domain_args(w.good_chain(leaf)) + " --key " +
                             shell_quote(write_temp_file(other.key_pem())));
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"key"});
    }

    TEST_CASE("RSA-1024: key-strength fails, exit 2") {
        check_cert_world w;
        const auto r = run_with_leaf(w, [](cert_spec& s) {
            s.key = key_kind::rsa;
            s.rsa_bits = 1024;
        });
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"key-strength"});
        CHECK(contains(message_of(r.doc, "key-strength"), "RSA 1024-bit key"));
    }

    TEST_CASE("SHA-1 signature: signature fails, exit 2") {
        check_cert_world w;
        const auto r = run_with_leaf(w, [](cert_spec& s) { s.digest = EVP_sha1; });
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"signature"});
    }

    TEST_CASE("no serverAuth EKU: eku fails, exit 2") {
        check_cert_world w;
        const auto r = run_with_leaf(w, [](cert_spec& s) { s.server_auth_eku = false; });
        CHECK(r.exit_code == 2);
        CHECK(not_ok(r.doc) == strings{"eku"});
    }

    TEST_CASE("DER input: read as DER, every check ok, exit 0") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const std::string pem_file = w.good_chain(leaf);
        const std::string der_file = write_temp_file("", ".der");
        // Two DER certificates back to back, made by the openssl command as a user would.
        const auto made = run("openssl x509 -in " + shell_quote(pem_file) + " -outform DER > " +
                              shell_quote(der_file) + " && openssl x509 -in " +
                              shell_quote(write_temp_file(w.pki.intermediate.cert_pem())) +
                              " -outform DER >> " + shell_quote(der_file));
        REQUIRE(made.exit_code == 0);
        const auto r = w.run(domain_args(der_file));
        CHECK(r.exit_code == 0);
        CHECK(r.doc["chain"]["encoding"] == "DER");
        CHECK(r.doc["chain"]["certificates"].size() == 2);
        CHECK(not_ok(r.doc).empty());
    }

    TEST_CASE("reversed order: order warns with the correct order, exit 1") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const auto r =
            w.run(domain_args(check_cert_world::chain_file({&w.pki.intermediate, &leaf})));
        CHECK(r.exit_code == 1);
        CHECK(not_ok(r.doc) == strings{"order"});
        CHECK(r.doc["chain"]["order_found"] == std::vector<int>{1, 2});
        CHECK(r.doc["chain"]["order_correct"] == std::vector<int>{2, 1});
        CHECK(r.doc["chain"]["certificates"][1]["role"] == "leaf");
        CHECK(r.doc["verdict"] == "warning");
        CHECK(valid_against_schema(r.doc));
    }

    TEST_CASE("an unreadable chain file: exit 3, the error names the file") {
        check_cert_world w;
        const auto missing = w.run("--chain /nonexistent/chain.pem --domain " + test_domain, false);
        CHECK(missing.exit_code == 3);
        CHECK(missing.out.empty());
        std::string damaged = w.pki.intermediate.cert_pem();
        damaged[30] = '!';
        const auto leaf = w.pki.leaf(mx_cert_spec());
        const auto r =
            run(std::string(MXPROBE_BINARY) + " check-cert --chain " +
                shell_quote(write_temp_file(leaf.cert_pem() + damaged)) + " 2>&1 >/dev/null");
        CHECK(r.exit_code == 3);
        CHECK(contains(r.out, "certificate 2 (line"));
        CHECK(contains(r.out, "cannot be read"));
    }

    TEST_CASE("text output: one line per check, no colour when not a terminal") {
        check_cert_world w;
        const auto leaf = w.pki.leaf(mx_cert_spec({mx1}));
        const auto text = w.run(domain_args(w.good_chain(leaf)), false);
        CHECK(text.exit_code == 2);
        CHECK(contains(text.out, "  CRITICAL\n"));
        CHECK(contains(text.out, "  checked   for mx1.example.test, mx2.example.test\n"));
        CHECK(contains(text.out, "  ok      trust         complete to a trusted root"));
        CHECK(contains(text.out, "  fail    name          mx2.example.test: MX mx2.example.test "
                                 "is not covered"));
        CHECK(text.out.find('\033') == std::string::npos);
    }
}
