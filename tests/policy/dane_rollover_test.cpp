// DANE rollover safety on certificates made at test time: TLSA sets that match the old key
// only (fail, with the `3 1 1` record of the new key and the TTL to wait), the new key only,
// and both; with and without what the MX presents now; DANE-TA; and the lookups that leave
// DANE out of the picture or cannot be judged.

#include "policy/dane_rollover.hpp"
#include "probe/cert_info.hpp"
#include "tests/policy/check_status_print.hpp"
#include "tests/support/cert_specs.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/test_time.hpp"
#include "tests/support/text_match.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

using namespace mxprobe_test;
using policy::check_status;

namespace {

constexpr const char* rollover_host = "mx.example.com";
// SHA2-256 of the DER SubjectPublicKeyInfo, computed here rather than read from cert_info.
std::string spki_sha256(const issued& cert) {
    unsigned char* der = nullptr;
    const int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.cert.get()), &der);
    REQUIRE(size > 0);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_size = 0;
    REQUIRE(EVP_Digest(der, static_cast<std::size_t>(size), md, &md_size, EVP_sha256(), nullptr) ==
            1);
    OPENSSL_free(der);
    return probe::to_hex(md, md_size);
}

resolver::tlsa_record dane_ee(const issued& cert) {
    return {3, 1, 1, spki_sha256(cert)};
}

resolver::tlsa_record dane_ta(const issued& ca) {
    return {2, 1, 1, spki_sha256(ca)};
}

policy::tlsa_lookup lookup(std::vector<resolver::tlsa_record> records, bool secure = true) {
    policy::tlsa_lookup l;
    l.name = std::string("_25._tcp.") + rollover_host;
    l.state = policy::tlsa_lookup_state::records;
    l.authenticated = secure;
    l.records = std::move(records);
    return l;
}

std::vector<probe::cert_info> chain_of(const std::vector<const issued*>& certs) {
    std::vector<probe::cert_info> out;
    out.reserve(certs.size());
    for (const auto* c : certs) {
        out.push_back(probe::describe_certificate(c->cert.get()));
    }
    return out;
}

// An old certificate on the MX now and a renewal with a new key, both from the same CA.
struct rollover {
    test_pki pki = test_pki::create();
    issued old_leaf = pki.leaf(mx_spec());
    issued new_leaf = pki.leaf(mx_spec());

    policy::dane_rollover_input input(std::vector<resolver::tlsa_record> records,
                                      bool with_live = false) const {
        policy::dane_rollover_input in;
        in.host = rollover_host;
        in.lookup = lookup(std::move(records));
        in.ttl = 3600;
        in.addresses_secure = true;
        in.candidate = chain_of({&new_leaf, &pki.intermediate});
        in.candidate_name_ok = true;
        if (with_live) {
            in.live = policy::candidate_session(rollover_host,
                                                chain_of({&old_leaf, &pki.intermediate}), true);
        }
        return in;
    }
};

} // namespace

TEST_SUITE("policy.dane_rollover") {

    TEST_CASE("TLSA matches the old key only: fail, publish 3 1 1 of the new SPKI, wait the TTL") {
        const rollover r;
        const auto c = policy::check_dane_rollover(r.input({dane_ee(r.old_leaf)}), started_at);
        CHECK(c.name == "dane");
        CHECK(c.subject == rollover_host);
        CHECK(c.status == check_status::fail);
        REQUIRE(c.publish.has_value());
        CHECK(c.publish->owner == "_25._tcp.mx.example.com");
        CHECK(c.publish->record == "3 1 1 " + spki_sha256(r.new_leaf));
        CHECK(c.publish->wait_seconds == 3600);
        CHECK(contains(c.message, "no usable TLSA record at _25._tcp.mx.example.com (1 usable) "
                                  "matches the new chain"));
        CHECK(contains(c.message, "publish \"_25._tcp.mx.example.com. IN TLSA 3 1 1 " +
                                      spki_sha256(r.new_leaf) + "\""));
        CHECK(contains(c.message,
                       "wait 3600 s (1 hour), the TTL of the TLSA answer, before deploying"));
    }

    TEST_CASE("TLSA matches the new key only: ok, with --live it says the current one no longer "
              "matches") {
        const rollover r;
        const auto c = policy::check_dane_rollover(r.input({dane_ee(r.new_leaf)}), started_at);
        CHECK(c.status == check_status::ok);
        CHECK_FALSE(c.publish.has_value());
        CHECK(contains(c.message,
                       "the new chain matches 3 1 1 " + spki_sha256(r.new_leaf).substr(0, 16)));
        CHECK(contains(c.message, "every usable record matches it"));
        const auto live =
            policy::check_dane_rollover(r.input({dane_ee(r.new_leaf)}, true), started_at);
        CHECK(live.status == check_status::ok);
        CHECK(contains(live.message, "match only the new certificate, not the one the MX presents "
                                     "now"));
    }

    TEST_CASE("TLSA matches both keys: ok, with --live the old record is named for removal") {
        const rollover r;
        const auto c = policy::check_dane_rollover(
            r.input({dane_ee(r.old_leaf), dane_ee(r.new_leaf)}), started_at);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "1 other usable record(s) do not match it (probably the current "
                                  "certificate"));
        const auto live = policy::check_dane_rollover(
            r.input({dane_ee(r.old_leaf), dane_ee(r.new_leaf)}, true), started_at);
        CHECK(live.status == check_status::ok);
        CHECK(contains(live.message, "match both the current and the new certificate: safe to "
                                     "deploy"));
        CHECK(contains(live.message,
                       "afterwards remove 3 1 1 " + spki_sha256(r.old_leaf).substr(0, 16)));
    }

    TEST_CASE("DANE-TA on the issuing CA matches both: ok, nothing to remove") {
        const rollover r;
        const auto c =
            policy::check_dane_rollover(r.input({dane_ta(r.pki.intermediate)}, true), started_at);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "safe to deploy"));
        CHECK_FALSE(contains(c.message, "afterwards remove"));
    }

    TEST_CASE("DANE-TA that matches but the new leaf lacks the MX name: fail") {
        const rollover r;
        auto in = r.input({dane_ta(r.pki.intermediate)});
        in.candidate_name_ok = false;
        const auto c = policy::check_dane_rollover(in, started_at);
        CHECK(c.status == check_status::fail);
        CHECK(contains(c.message, "no DNS name of the certificate matches mx.example.com"));
        REQUIRE(c.publish.has_value());
    }

    TEST_CASE("records present but none usable: warn, with the record to publish") {
        const rollover r;
        const auto c =
            policy::check_dane_rollover(r.input({{1, 1, 1, spki_sha256(r.new_leaf)}}), started_at);
        CHECK(c.status == check_status::warn);
        REQUIRE(c.publish.has_value());
    }

    TEST_CASE("no DANE: insecure answer, no records, insecure addresses are all ok") {
        const rollover r;
        auto insecure = r.input({dane_ee(r.old_leaf)});
        insecure.lookup.authenticated = false;
        CHECK(policy::check_dane_rollover(insecure, started_at).status == check_status::ok);
        auto none = r.input({});
        none.lookup.state = policy::tlsa_lookup_state::no_records;
        const auto c = policy::check_dane_rollover(none, started_at);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "no TLSA records"));
        auto addresses = r.input({dane_ee(r.old_leaf)});
        addresses.addresses_secure = false;
        CHECK(policy::check_dane_rollover(addresses, started_at).status == check_status::ok);
    }

    TEST_CASE("bogus TLSA fails, a lookup without an answer cannot be checked") {
        const rollover r;
        auto bogus = r.input({});
        bogus.lookup.state = policy::tlsa_lookup_state::bogus;
        CHECK(policy::check_dane_rollover(bogus, started_at).status == check_status::fail);
        auto failed = r.input({});
        failed.lookup.state = policy::tlsa_lookup_state::failed;
        failed.lookup.detail = "timeout";
        const auto c = policy::check_dane_rollover(failed, started_at);
        CHECK(c.status == check_status::unknown);
        CHECK(contains(c.message, "could not check"));
    }
}
