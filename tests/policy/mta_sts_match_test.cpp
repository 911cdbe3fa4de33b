// Table tests of MX pattern matching and of applying a policy to observed MX hosts (RFC 8461
// §4-§5, STANDARDS STS-32..STS-37, §7 and §9), plus postfix-mta-sts-resolver's refdata*.tsv
// replayed through our TXT parser, fetch verdict and policy parser.

#include "policy/mta_sts_match.hpp"
#include "policy/mta_sts_txt.hpp"
#include "policy/sts_fetch_verdict.hpp"
#include "tests/support/test_data.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using policy::sts_mx_observation;

using mxprobe_test::load_json;

policy::sts_policy policy_in_mode(policy::sts_mode mode) {
    std::string body = "version: STSv1\nmode: " + std::string(policy::to_string(mode)) +
                       "\nmx: mx1.example.com\nmx: *.backup.example.net\nmax_age: 86400\n";
    auto p = policy::parse_sts_policy(body);
    REQUIRE(p.valid());
    return p;
}

// An MX that passes every check.
sts_mx_observation good(std::string host) {
    sts_mx_observation o;
    o.host = std::move(host);
    o.ip = "192.0.2.1";
    o.starttls_offered = o.starttls_ok = o.handshake_ok = true;
    o.certificate_trusted = o.hostname_match = true;
    return o;
}

// The answer postfix-mta-sts-resolver gives for a socketmap query, rebuilt from our parts.
// The lab behind refdata.tsv: TXT records from dnsmasq, bodies and statuses from nginx, and
// bad-cert1/2 served with an untrusted and a wrong-name certificate (tests/mkcerts.py).
std::string postfix_answer(std::string query, bool strict) {
    if (query.front() == '[') { // "[domain]" or "[domain]:port": Postfix's nexthop syntax
        query = query.substr(1, query.find(']') - 1);
    } else if (const auto colon = query.find(':'); colon != std::string::npos) {
        query = query.substr(0, colon);
    }
    if (!query.empty() && query.back() == '.') {
        query.pop_back();
    }
    // ".domain" asks for a parent-domain policy, which MTA-STS never uses (STS-25); an
    // address literal has no policy at all.
    if (query.empty() || query.front() == '.' || query.find(':') != std::string::npos ||
        query.find_first_not_of("0123456789.") == std::string::npos) {
        return "NOTFOUND";
    }
    std::vector<std::string> txt;
    for (const auto& r : load_json(
             "mta-sts/vectors/postfix-mta-sts-resolver/mta_sts_txt_records_from_dnsmasq.json")) {
        if (r["name"] == "_mta-sts." + query) {
            txt.push_back(r["txt"]);
        }
    }
    if (!policy::parse_sts_txt(txt).valid()) {
        return "NOTFOUND";
    }
    for (const auto& s :
         load_json("mta-sts/vectors/postfix-mta-sts-resolver/policies_from_nginx_conf.json")) {
        if (s["host"] != "mta-sts." + query) {
            continue;
        }
        auto failure = probe::fetch_failure::none;
        if (s["http_status"] != 200) {
            failure = probe::fetch_failure::http_status;
        } else if (s["content_type"].get<std::string>().rfind("text/plain", 0) != 0) {
            failure = probe::fetch_failure::media_type;
        } else if (query.rfind("bad-cert", 0) == 0) {
            failure = probe::fetch_failure::certificate;
        }
        if (policy::sts_fetch_result_type(failure)) {
            return "NOTFOUND";
        }
        const auto p = policy::parse_sts_policy(s["body"].get<std::string>());
        // The resolver answers only for policies it would enforce; --strict-testing also
        // enforces testing mode.
        if (!p.valid() || p.mode == policy::sts_mode::none ||
            (p.mode == policy::sts_mode::testing && !strict)) {
            return "NOTFOUND";
        }
        std::string match;
        for (const auto& mx : p.mx) {
            match += (match.empty() ? "" : ":") + mx;
        }
        return "OK secure match=" + match;
    }
    return "NOTFOUND";
}

} // namespace

TEST_SUITE("policy.mta_sts_match") {

    TEST_CASE("pattern matching (STS-34, STANDARDS §9)") {
        const struct {
            const char* pattern;
            const char* host;
            bool match;
        } cases[] = {
            {"*.example.com", "mail.example.com", true},
            {"*.example.com", "example.com", false},
            {"*.example.com", "a.b.example.com", false},
            {"mail.example.com", "mail.example.com", true},
            {"mail.example.com", "MAIL.Example.COM", true},
            {"*.EXAMPLE.com", "Mx.example.COM", true},
            {"mail.example.com.", "mail.example.com", true},
            {"mail.example.com", "mail.example.com.", true},
            {"*.example.com.", "mx.example.com.", true},
            {"mail.example.com..", "mail.example.com", false}, // only one dot is removed
            {"mail.example.com", "mail.example.com..", false},
            {"mail.example.com", "mail.example.org", false},
            {"mail.example.com", "xmail.example.com", false},
            {"example.com", "mail.example.com", false},
            {"*.example.com", ".example.com", false},   // empty left-most label
            {"*.example.com", "a..example.com", false}, // empty label
            {"*.example.com", "*.example.com", false},  // a host is never a wildcard
            {"*..example.com", "a..example.com", false},
            {"*.", "mail", false},
            {"*", "mail", false},
            {"", "", false},
            {"m*.example.com", "mx.example.com", false}, // no partial wildcards
            {"mail.*.com", "mail.example.com", false},
        };
        for (const auto& c : cases) {
            CAPTURE(c.pattern);
            CAPTURE(c.host);
            CHECK(policy::mx_pattern_matches(c.pattern, c.host) == c.match);
        }
    }

    TEST_CASE("the first matching pattern is reported") {
        const std::vector<std::string> patterns = {"mx.example.com", "*.example.com"};
        CHECK(policy::matching_mx_pattern(patterns, "MX.example.com") == "mx.example.com");
        CHECK(policy::matching_mx_pattern(patterns, "b.example.com") == "*.example.com");
        CHECK_FALSE(policy::matching_mx_pattern(patterns, "example.com").has_value());
    }

    TEST_CASE("corpus: real policies match their own MX names and not their neighbours") {
        // gosia24.eu lists "*.gosia24.eu" and "gosia24.home.pl".
        const auto p = policy::parse_sts_policy("version: STSv1\nmode: testing\n"
                                                "mx: *.gosia24.eu\nmx: gosia24.home.pl\n"
                                                "max_age: 604800\n");
        CHECK(policy::matching_mx_pattern(p.mx, "mx.gosia24.eu") == "*.gosia24.eu");
        CHECK(policy::matching_mx_pattern(p.mx, "gosia24.home.pl.") == "gosia24.home.pl");
        CHECK_FALSE(policy::matching_mx_pattern(p.mx, "gosia24.eu").has_value());
        CHECK_FALSE(policy::matching_mx_pattern(p.mx, "a.mx.gosia24.eu").has_value());
    }

    TEST_CASE("corpus: postfix-mta-sts-resolver refdata, refdata_nosni and refdata_strict") {
        const struct {
            const char* file;
            bool strict;
        } files[] = {
            {"refdata.tsv", false}, {"refdata_nosni.tsv", false}, {"refdata_strict.tsv", true}};
        int checked = 0;
        for (const auto& f : files) {
            std::ifstream in(std::string(MXPROBE_SOURCE_DIR) +
                             "/tests/data/mta-sts/vectors/postfix-mta-sts-resolver/" + f.file);
            REQUIRE(in.good());
            std::string line;
            while (std::getline(in, line)) {
                if (line.empty()) {
                    continue;
                }
                // "<map> <query>\t<answer>"; the servername= part says which TLS name
                // Postfix should use, a transport detail outside the policy.
                const auto tab = line.find('\t');
                const auto query = line.substr(line.find(' ') + 1, tab - line.find(' ') - 1);
                std::string expected = line.substr(tab + 1);
                expected = expected.substr(0, expected.find(" servername="));
                while (!expected.empty() && expected.back() == ' ') {
                    expected.pop_back();
                }
                CAPTURE(f.file);
                CAPTURE(query);
                CHECK(postfix_answer(query, f.strict) == expected);
                ++checked;
            }
        }
        CHECK(checked == 63);
    }

    TEST_CASE("enforce: each failure gives the RFC 8460 result type of STANDARDS §7") {
        const auto enforce = policy_in_mode(policy::sts_mode::enforce);
        const auto with = [](auto change) {
            sts_mx_observation o = good("mx1.example.com");
            o.detail = "detail";
            change(o);
            return o;
        };
        const struct {
            const char* name;
            sts_mx_observation o;
            const char* type;
            const char* reason;
            std::vector<std::string> others;
        } cases[] = {
            {"row 23: all good", good("mx1.example.com"), "", "", {}},
            {"row 19: mx not in policy",
             good("mx9.example.com"),
             "validation-failure",
             "mx-not-in-policy",
             {}},
            {"row 1: no STARTTLS",
             with([](auto& o) { o.starttls_offered = false; }),
             "starttls-not-supported",
             "starttls-not-offered: detail",
             {}},
            {"row 2: STARTTLS 454",
             with([](auto& o) { o.starttls_ok = false; }),
             "starttls-not-supported",
             "starttls-rejected: detail",
             {}},
            {"row 4: handshake",
             with([](auto& o) { o.handshake_ok = false; }),
             "validation-failure",
             "handshake-failed: detail",
             {}},
            {"row 5: expired",
             with([](auto& o) { o.certificate_expired = true; }),
             "certificate-expired",
             "certificate-expired",
             {}},
            {"row 7: untrusted",
             with([](auto& o) { o.certificate_trusted = false; }),
             "certificate-not-trusted",
             "certificate-not-trusted: detail",
             {}},
            {"row 9: wrong name",
             with([](auto& o) { o.hostname_match = false; }),
             "certificate-host-mismatch",
             "certificate-host-mismatch: mx1.example.com",
             {}},
            {"self-signed, expired, wrong name",
             with([](auto& o) {
                 o.certificate_expired = true;
                 o.certificate_trusted = o.hostname_match = false;
             }),
             "certificate-expired",
             "certificate-expired",
             {"certificate-not-trusted", "certificate-host-mismatch"}},
            {"not in policy and no STARTTLS",
             with([](auto& o) {
                 o.host = "other.example.org";
                 o.starttls_offered = false;
             }),
             "validation-failure",
             "mx-not-in-policy",
             {"starttls-not-supported"}},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            const auto e = policy::evaluate_sts(enforce, {c.o});
            REQUIRE(e.mx.size() == 1);
            const auto& r = e.mx.front();
            CHECK(r.checked);
            CHECK(r.result_type == c.type);
            CHECK(r.reason == c.reason);
            CHECK(r.other_result_types == c.others);
            CHECK(r.compliant == std::string(c.type).empty());
            CHECK(r.delivers == r.compliant); // enforce: no delivery to a failing MX (STS-35)
        }
    }

    TEST_CASE("domain summary under enforce, testing, none and an invalid policy") {
        const std::vector<sts_mx_observation> mx = [] {
            auto bad = good("b1.backup.example.net");
            bad.certificate_expired = true;
            auto gone = good("b2.backup.example.net");
            gone.reached = false;
            gone.detail = "connection refused";
            return std::vector<sts_mx_observation>{good("mx1.example.com"), bad, gone};
        }();

        const auto e = policy::evaluate_sts(policy_in_mode(policy::sts_mode::enforce), mx);
        CHECK(e.applied);
        CHECK(e.compliant == 1);
        CHECK(e.failing == 1);
        CHECK(e.not_checked == 1);
        CHECK(e.deliverable);
        CHECK(e.mx[1].matched_pattern == "*.backup.example.net");
        CHECK_FALSE(e.mx[2].checked);
        CHECK(e.mx[2].result_type.empty()); // transient: not a TLS result (RFC 8460 §4.3.4)
        CHECK(e.mx[2].reason == "connection refused");
        CHECK_FALSE(e.mx[2].delivers);
        CHECK(e.unused_patterns.empty());
        CHECK(e.summary ==
              "enforce: 1 of 3 MX fail validation; mail still flows through the others "
              "(1 not reached)");

        // testing: the same result types, but the sender delivers (STS-36, NOTE-1).
        const auto t = policy::evaluate_sts(policy_in_mode(policy::sts_mode::testing), mx);
        CHECK(t.mx[1].result_type == "certificate-expired");
        CHECK(t.mx[1].delivers);
        CHECK_FALSE(t.mx[1].compliant);
        CHECK(t.summary == "testing: 1 of 3 MX would fail under enforce; senders deliver anyway "
                           "and report them (1 not reached)");

        // none: nothing enforced, nothing reportable (STS-37).
        const auto n = policy::evaluate_sts(policy_in_mode(policy::sts_mode::none), mx);
        CHECK_FALSE(n.applied);
        CHECK(n.mx[1].result_type.empty());
        CHECK(n.mx[1].compliant);
        CHECK(n.mx[1].delivers);
        CHECK(n.failing == 0);
        CHECK(n.summary == "mode none: the policy enforces nothing");

        const auto invalid = policy::parse_sts_policy("version: STSv1\nmode: enforce\nmax_age: 1");
        const auto i = policy::evaluate_sts(invalid, mx);
        CHECK_FALSE(i.applied);
        CHECK(i.mx[1].delivers);
        CHECK(i.summary == "policy invalid (no mx line; mode enforce needs at least one): not "
                           "applied, senders treat the domain as having no MTA-STS");
    }

    TEST_CASE("enforce with every MX failing: undeliverable, unused patterns listed") {
        auto a = good("mx1.example.com");
        a.hostname_match = false;
        const auto e = policy::evaluate_sts(policy_in_mode(policy::sts_mode::enforce), {a});
        CHECK_FALSE(e.deliverable);
        CHECK(e.unused_patterns == std::vector<std::string>{"*.backup.example.net"});
        CHECK(e.summary == "enforce: 1 of 1 MX fail validation; MTA-STS senders cannot deliver");
        const auto ok =
            policy::evaluate_sts(policy_in_mode(policy::sts_mode::enforce),
                                 {good("mx1.example.com"), good("x.backup.example.net")});
        CHECK(ok.summary == "enforce: all 2 MX validate");
        CHECK(policy::evaluate_sts(policy_in_mode(policy::sts_mode::testing), {}).summary ==
              "testing: no MX observed");
    }

    TEST_CASE("observe_for_sts reads a probe session") {
        probe::session_result s;
        s.host = "mx1.example.com";
        s.ip = "192.0.2.7";
        s.starttls_offered = s.starttls_accepted = true;
        probe::tls_session tls;
        tls.chain.resize(2);
        s.tls = tls;
        probe::chain_verdict v;
        v.trusted = v.hostname_match = true;
        s.certificate = v;

        auto o = policy::observe_for_sts(s);
        CHECK(o.host == "mx1.example.com");
        CHECK(o.ip == "192.0.2.7");
        CHECK((o.reached && o.handshake_ok && o.certificate_trusted && o.hostname_match));
        CHECK_FALSE(o.certificate_expired);

        // Expired only: OpenSSL says untrusted, but expiry is its own result type.
        s.certificate->trusted = false;
        s.certificate->expired = true;
        s.certificate->verify_error = "certificate has expired";
        o = policy::observe_for_sts(s);
        CHECK(o.certificate_expired);
        CHECK(o.certificate_trusted);
        // Expired and self-signed: both.
        s.certificate->other_errors = true;
        o = policy::observe_for_sts(s);
        CHECK_FALSE(o.certificate_trusted);
        CHECK(o.detail == "certificate has expired");

        // Anonymous suite: TLS without a certificate is untrusted.
        s.tls->chain.clear();
        o = policy::observe_for_sts(s);
        CHECK_FALSE(o.certificate_trusted);
        CHECK(o.detail == "no certificate presented");

        s.plaintext_after_starttls = true;
        o = policy::observe_for_sts(s);
        CHECK_FALSE(o.handshake_ok);
        CHECK(o.detail == "plaintext-after-starttls");

        const struct {
            probe::status st;
            probe::phase ph;
            bool reached;
            bool offered;
        } stops[] = {
            {probe::status::starttls_not_offered, probe::phase::ehlo, true, false},
            {probe::status::starttls_rejected, probe::phase::starttls, true, true},
            {probe::status::handshake_error, probe::phase::handshake, true, true},
            {probe::status::io_timeout, probe::phase::handshake, true, true},
            {probe::status::connection_refused, probe::phase::connect, false, false},
            {probe::status::io_timeout, probe::phase::banner, false, false},
            {probe::status::session_refused, probe::phase::banner, false, false},
        };
        for (const auto& c : stops) {
            CAPTURE(probe::to_string(c.st));
            probe::session_result r;
            r.host = "mx1.example.com";
            r.outcome = c.st;
            r.failed_phase = c.ph;
            r.starttls_offered = c.offered;
            r.error = "why";
            const auto ob = policy::observe_for_sts(r);
            CHECK(ob.reached == c.reached);
            CHECK_FALSE(ob.handshake_ok);
            CHECK(ob.detail == "why");
        }
    }

    TEST_CASE("to_json of an evaluation") {
        auto bad = good("mx9.example.com");
        const auto e = policy::evaluate_sts(policy_in_mode(policy::sts_mode::enforce),
                                            {good("mx1.example.com"), bad});
        const nlohmann::json j = e;
        CHECK(j == nlohmann::json::parse(R"({"applied":true,"mode":"enforce","mx":[
            {"host":"mx1.example.com","ip":"192.0.2.1","matched_pattern":"mx1.example.com",
             "checked":true,"compliant":true,"delivers":true},
            {"host":"mx9.example.com","ip":"192.0.2.1","checked":true,"compliant":false,
             "delivers":false,"result_type":"validation-failure","reason":"mx-not-in-policy"}],
            "compliant":1,"failing":1,"not_checked":0,"deliverable":true,
            "unused_patterns":["*.backup.example.net"],
            "summary":"enforce: 1 of 2 MX fail validation; mail still flows through the others"})"));
    }
}
