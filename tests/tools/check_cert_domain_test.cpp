// `mxprobe check-cert` against what example.test publishes, end to end on loopback: TLSA
// sets that match the old key only, the new key only and both; an MTA-STS policy whose mx
// patterns miss one MX host; --live against a fake SMTP server presenting the old
// certificate; --policy-host; and a DNS server that does not answer (exit 3).

#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/text_match.hpp"
#include "tests/tools/check_cert_world.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using namespace mxprobe_test;

namespace {

using strings = std::vector<std::string>;

cert_spec renewed_spec() {
    cert_spec spec = mx_cert_spec();
    spec.not_after_offset = std::chrono::seconds(180L * 86400);
    return spec;
}

// The certificate on the MX hosts today (90 days) and its renewal with a new key (180 days).
struct renewal {
    check_cert_world& world;
    issued old_leaf;
    issued new_leaf;
    std::string chain;

    explicit renewal(check_cert_world& w)
        : world(w), old_leaf(w.pki.leaf(mx_cert_spec())), new_leaf(w.pki.leaf(renewed_spec())),
          chain(w.good_chain(new_leaf)) {}

    /// Publishes DANE-EE records of these leaves at both MX hosts.
    void publish_tlsa(const std::vector<const issued*>& leaves, std::uint32_t ttl = 3600) {
        zone z = example_zone();
        z.tlsa_ttl = ttl;
        for (const auto& host : {mx1, mx2}) {
            auto& rrs = z.tlsa["_25._tcp." + host];
            for (const auto* leaf : leaves) {
                rrs.push_back({3, 1, 1, spki_sha256_of(*leaf)});
            }
        }
        world.publish(z);
    }

    check_cert_run run(const std::string& extra = "") const {
        return world.run("--chain " + shell_quote(chain) + " --domain " + test_domain + " " +
                         extra);
    }
};

smtp_script presenting(const issued& leaf, const issued& intermediate) {
    smtp_script s;
    s.tls.cert_chain_pem = leaf.cert_pem() + intermediate.cert_pem();
    s.tls.key_pem = leaf.key_pem();
    return s;
}

} // namespace

TEST_SUITE("tools.check_cert_domain") {

    TEST_CASE("TLSA matches the old key only: dane fails with the 3 1 1 record and the TTL") {
        check_cert_world w;
        renewal r(w);
        r.publish_tlsa({&r.old_leaf}, 7200);
        const auto run = r.run();
        CHECK(run.exit_code == 2);
        CHECK(not_ok(run.doc) == strings{"dane:" + mx1, "dane:" + mx2});
        for (const auto& c : run.doc["checks"]) {
            if (c["name"] == "dane") {
                REQUIRE(c.contains("publish"));
                CHECK(c["publish"]["owner"] == "_25._tcp." + c["subject"].get<std::string>());
                CHECK(c["publish"]["record"] == "3 1 1 " + spki_sha256_of(r.new_leaf));
                CHECK(c["publish"]["wait_seconds"] == 7200);
                CHECK(contains(c["message"].get<std::string>(), "wait 7200 s (2 hours)"));
            }
        }
        CHECK(valid_against_schema(run.doc));
    }

    TEST_CASE("TLSA matches the new key only: ok, exit 0") {
        check_cert_world w;
        renewal r(w);
        r.publish_tlsa({&r.new_leaf});
        const auto run = r.run();
        CHECK(run.exit_code == 0);
        CHECK(status_of(run.doc, "dane", mx1) == "ok");
        CHECK(contains(message_of(run.doc, "dane", mx1), "every usable record matches it"));
    }

    TEST_CASE("TLSA matches both keys: ok, the other record named as probably the current one") {
        check_cert_world w;
        renewal r(w);
        r.publish_tlsa({&r.old_leaf, &r.new_leaf});
        const auto run = r.run();
        CHECK(run.exit_code == 0);
        CHECK(status_of(run.doc, "dane", mx2) == "ok");
        CHECK(contains(message_of(run.doc, "dane", mx2), "1 other usable record(s) do not match"));
    }

    TEST_CASE("TLSA without the AD bit is ignored: ok") {
        check_cert_world w;
        renewal r(w);
        zone z = example_zone();
        z.secure = false;
        z.tlsa["_25._tcp." + mx1].push_back({3, 1, 1, spki_sha256_of(r.old_leaf)});
        w.publish(z);
        const auto run = r.run();
        CHECK(status_of(run.doc, "dane", mx1) == "ok");
        CHECK(contains(message_of(run.doc, "dane", mx1), "not DNSSEC-secure"));
    }

    TEST_CASE("an MTA-STS policy whose mx patterns miss mx2: mta-sts fails, exit 2") {
        check_cert_world w(sts_policy_text("enforce", {mx1}));
        renewal r(w);
        const auto run = r.run();
        CHECK(run.exit_code == 2);
        CHECK(not_ok(run.doc) == strings{"mta-sts:" + test_domain});
        CHECK(contains(message_of(run.doc, "mta-sts", test_domain),
                       "mx2.example.test matches no mx pattern of the enforce policy (mx: "
                       "mx1.example.test)"));
        // The same miss in testing mode only warns.
        check_cert_world testing(sts_policy_text("testing", {"*.other.test", mx1}));
        renewal t(testing);
        const auto warned = t.run();
        CHECK(warned.exit_code == 1);
        CHECK(status_of(warned.doc, "mta-sts", test_domain) == "warn");
    }

    TEST_CASE("--live against an MX presenting the old certificate: new key, expiry extended") {
        check_cert_world w;
        renewal r(w);
        r.publish_tlsa({&r.old_leaf, &r.new_leaf});
        fake_smtp_server smtp(presenting(r.old_leaf, w.pki.intermediate));
        const auto run = r.run("--live --port " + std::to_string(smtp.port()));
        CHECK(run.exit_code == 0);
        CHECK(status_of(run.doc, "live", mx1) == "ok");
        const std::string live = message_of(run.doc, "live", mx1);
        CHECK(contains(live, "new key (SPKI sha256 " + spki_sha256_of(r.new_leaf).substr(0, 16)));
        CHECK(contains(live, "names unchanged"));
        CHECK(contains(live, "expiry extended by 90 day(s)"));
        // With the live chain, DANE can tell which record is the current one's.
        const std::string dane = message_of(run.doc, "dane", mx1);
        CHECK(contains(dane, "match both the current and the new certificate: safe to deploy"));
        CHECK(
            contains(dane, "afterwards remove 3 1 1 " + spki_sha256_of(r.old_leaf).substr(0, 16)));
        // STARTTLS with SNI for each MX host, as a sender does.
        CHECK(smtp.sni_names().size() == 2);
        CHECK(valid_against_schema(run.doc));
    }

    TEST_CASE("--live: a renewal that loses a name warns, the TLSA matching only the new key "
              "is said to fail today") {
        check_cert_world w;
        cert_spec wider = mx_cert_spec({mx1, mx2, "smtp.example.test"});
        const auto old_leaf = w.pki.leaf(wider);
        const auto new_leaf = w.pki.leaf(mx_cert_spec());
        zone z = example_zone();
        z.tlsa["_25._tcp." + mx1].push_back({3, 1, 1, spki_sha256_of(new_leaf)});
        w.publish(z);
        fake_smtp_server smtp(presenting(old_leaf, w.pki.intermediate));
        const auto run = w.run("--chain " + shell_quote(w.good_chain(new_leaf)) + " --domain " +
                               test_domain + " --live --port " + std::to_string(smtp.port()));
        CHECK(run.exit_code == 1);
        CHECK(status_of(run.doc, "live", mx1) == "warn");
        CHECK(contains(message_of(run.doc, "live", mx1), "lost -smtp.example.test"));
        CHECK(contains(message_of(run.doc, "dane", mx1), "match only the new certificate"));
    }

    TEST_CASE("--live with the same key: said so") {
        check_cert_world w;
        const auto old_leaf = w.pki.leaf(mx_cert_spec());
        cert_spec same_key = mx_cert_spec();
        same_key.reuse_key = old_leaf.key.get();
        same_key.not_after_offset = std::chrono::seconds(200L * 86400);
        const auto new_leaf = w.pki.leaf(same_key);
        fake_smtp_server smtp(presenting(old_leaf, w.pki.intermediate));
        const auto run = w.run("--chain " + shell_quote(w.good_chain(new_leaf)) + " --mx " + mx1 +
                               " --live --port " + std::to_string(smtp.port()));
        CHECK(run.exit_code == 0);
        CHECK(contains(message_of(run.doc, "live", mx1), "same key as mx1.example.test"));
        CHECK(contains(message_of(run.doc, "live", mx1), "expiry extended by 110 day(s)"));
    }

    TEST_CASE("--live to a closed port: the comparison could not be made, exit 3") {
        check_cert_world w;
        renewal r(w);
        const auto run = r.run("--live --port 9");
        CHECK(run.exit_code == 3);
        CHECK(status_of(run.doc, "live", mx1) == "unknown");
        CHECK(run.doc["verdict"] == "unknown");
        CHECK(valid_against_schema(run.doc));
    }

    TEST_CASE("--live refuses loopback addresses without --allow-private") {
        check_cert_world w;
        renewal r(w);
        // The world passes --allow-private for the policy fetch; this run does without.
        const auto out = run(std::string(MXPROBE_BINARY) +
                             " --resolver 127.0.0.1:" + std::to_string(w.dns_port()) +
                             " --json check-cert --chain " + shell_quote(r.chain) + " --ca-file " +
                             shell_quote(w.root_file) + " --mx " + mx1 + " --live");
        CHECK(out.exit_code == 3);
        CHECK(contains(out.out, "refusing to connect to 127.0.0.1"));
    }

    TEST_CASE("a DNS server that does not answer, with --domain: exit 3, nothing guessed") {
        check_cert_world w;
        zone silent;
        silent.silent = true;
        w.publish(silent);
        renewal r(w);
        const auto run =
            w.run("--chain " + shell_quote(r.chain) + " --domain " + test_domain, true, "0.5");
        CHECK(run.exit_code == 3);
        CHECK(status_of(run.doc, "mx", test_domain) == "unknown");
        CHECK(status_of(run.doc, "mta-sts", test_domain) == "unknown");
        CHECK(run.doc["names"].empty());
        // The chain checks are still made.
        CHECK(status_of(run.doc, "trust") == "ok");
        CHECK(valid_against_schema(run.doc));
    }

    TEST_CASE("a failure outranks what could not be checked: exit 2") {
        check_cert_world w;
        zone silent;
        silent.silent = true;
        w.publish(silent);
        cert_spec expired = mx_cert_spec();
        expired.not_before_offset = std::chrono::seconds(-10L * 86400);
        expired.not_after_offset = std::chrono::seconds(-86400);
        const auto leaf = w.pki.leaf(expired);
        const auto run = w.run(
            "--chain " + shell_quote(w.good_chain(leaf)) + " --domain " + test_domain, true, "0.5");
        CHECK(run.exit_code == 2);
        CHECK(run.doc["verdict"] == "critical");
        CHECK(status_of(run.doc, "validity") == "fail");
        CHECK(status_of(run.doc, "mx", test_domain) == "unknown");
    }

    TEST_CASE("a domain that does not exist: mx fails, exit 2") {
        check_cert_world w;
        renewal r(w);
        const auto run = w.run("--chain " + shell_quote(r.chain) + " --domain nowhere.test");
        CHECK(run.exit_code == 2);
        CHECK(status_of(run.doc, "mx", "nowhere.test") == "fail");
    }

    TEST_CASE("--policy-host: the candidate is checked for mta-sts.<domain>, no MX lookups") {
        check_cert_world w;
        cert_spec spec = mx_cert_spec({policy_host});
        const auto good = w.pki.leaf(spec);
        const auto ok = w.run("--chain " + shell_quote(w.good_chain(good)) + " --domain " +
                              test_domain + " --policy-host");
        CHECK(ok.exit_code == 0);
        CHECK(ok.doc["policy_host"] == true);
        CHECK(ok.doc["names"] == strings{policy_host});
        CHECK(status_of(ok.doc, "name", policy_host) == "ok");
        CHECK(status_of(ok.doc, "mx", test_domain) == "absent");
        CHECK(status_of(ok.doc, "dane", mx1) == "absent");
        CHECK(valid_against_schema(ok.doc));

        const auto mx_cert = w.pki.leaf(mx_cert_spec());
        const auto wrong = w.run("--chain " + shell_quote(w.good_chain(mx_cert)) + " --domain " +
                                 test_domain + " --policy-host");
        CHECK(wrong.exit_code == 2);
        CHECK(not_ok(wrong.doc) == strings{"name:" + policy_host});
    }

    TEST_CASE("--policy-host --live: compared with what the policy host serves now") {
        check_cert_world w;
        const auto candidate = w.pki.leaf(mx_cert_spec({policy_host}));
        const auto run =
            w.run("--chain " + shell_quote(w.good_chain(candidate)) + " --domain " + test_domain +
                  " --policy-host --live --port " + std::to_string(w.https_port()));
        CHECK(run.exit_code == 0);
        CHECK(status_of(run.doc, "live", policy_host) == "ok");
        CHECK(contains(message_of(run.doc, "live", policy_host), "new key"));
    }

    TEST_CASE("--policy-host without --domain, or with --mx: a usage error, exit 3") {
        check_cert_world w;
        renewal r(w);
        CHECK(w.run("--chain " + shell_quote(r.chain) + " --policy-host", false).exit_code == 3);
        CHECK(w.run("--chain " + shell_quote(r.chain) + " --policy-host --domain " + test_domain +
                        " --mx " + mx1,
                    false)
                  .exit_code == 3);
    }
}
