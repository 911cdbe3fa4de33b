// The compatibility matrix's judgments on plain facts: outbound requirements per MX, the
// inbound join of received reports (real shapes from the corpus) with probe evidence, the
// encryption coverage and the what-if.

#include "policy/cipher_rank.hpp"
#include "policy/coverage.hpp"
#include "policy/inbound_summary.hpp"
#include "policy/outbound_check.hpp"
#include "policy/tlsrpt_report.hpp"
#include "policy/what_if.hpp"

#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

namespace {

using policy::compatibility;
using policy::domain_facts_summary;
using policy::mx_facts;

const auto join_time =
    std::chrono::system_clock::time_point(std::chrono::seconds(1796342400)); // 2026-12-04

policy::tlsrpt_report report_file(const std::string& name) {
    std::ifstream in(std::string(MXPROBE_SOURCE_DIR) + "/tests/data/tlsrpt/" + name,
                     std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto parsed = policy::parse_tlsrpt_report(bytes.str());
    REQUIRE_MESSAGE(parsed.report.has_value(), parsed.error);
    return *parsed.report;
}

// A healthy MX: TLS 1.3 with a valid certificate, nothing to report.
mx_facts healthy_mx(std::string host, std::string ip) {
    mx_facts m;
    m.host = std::move(host);
    m.ip = std::move(ip);
    m.verdict = "ok";
    m.status = "success";
    m.checked = true;
    m.starttls_offered = true;
    m.tls = true;
    m.version = "TLSv1.3";
    m.cipher = "TLS_AES_256_GCM_SHA384";
    m.forward_secrecy = true;
    m.cert_trusted = true;
    m.hostname_match = true;
    m.cert_not_after = 1796342400 + 90 * 86400;
    return m;
}

domain_facts_summary partner(const std::string& domain, std::vector<mx_facts> mx) {
    domain_facts_summary d;
    d.domain = domain;
    d.name = domain;
    d.role = "partner";
    d.route = "mx";
    d.dane_status = "none";
    d.mx = std::move(mx);
    return d;
}

bool has_text(const std::vector<std::string>& v, const std::string& part) {
    for (const auto& s : v) {
        if (s.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_SUITE("policy.matrix") {

    TEST_CASE("outbound: a TLS 1.3 partner passes, TLS 1.0 and no STARTTLS are named blockers") {
        policy::outbound_requirements q;
        q.require_forward_secrecy = true;
        const auto ok = policy::check_outbound(
            partner("a.example", {healthy_mx("mx.a.example", "192.0.2.1")}), q, join_time);
        CHECK(ok.state == compatibility::compatible);
        CHECK(ok.compatible);
        CHECK(ok.blocking.empty());
        REQUIRE(ok.cert_days_left.has_value());
        CHECK(*ok.cert_days_left == 90);
        CHECK(ok.ciphers_strongest == "TLS_AES_256_GCM_SHA384");

        mx_facts old = healthy_mx("mx2.b.example", "192.0.2.3");
        old.version = "TLSv1";
        old.cipher = "AES256-SHA";
        old.forward_secrecy = false;
        mx_facts plain = healthy_mx("mx3.b.example", "192.0.2.4");
        plain.starttls_offered = false;
        plain.tls = false;
        const auto mixed = policy::check_outbound(
            partner("b.example", {healthy_mx("mx1.b.example", "192.0.2.2"), old, plain}), q,
            join_time);
        CHECK(mixed.state == compatibility::partial);
        CHECK(mixed.compatible);
        CHECK(has_text(mixed.blocking,
                       "mx2.b.example [192.0.2.3]: negotiates TLSv1, below the required TLSv1.2"));
        CHECK(has_text(mixed.blocking,
                       "mx2.b.example [192.0.2.3]: negotiates AES256-SHA without forward secrecy"));
        CHECK(has_text(mixed.blocking, "mx3.b.example [192.0.2.4]: no STARTTLS"));
        CHECK(mixed.ciphers_weakest == "AES256-SHA");

        const auto none = policy::check_outbound(partner("c.example", {old}), q, join_time);
        CHECK(none.state == compatibility::incompatible);
        CHECK_FALSE(none.compatible);
    }

    TEST_CASE(
        "outbound: with enumeration, an accepted good suite is enough and weak ones are noted") {
        mx_facts m = healthy_mx("mx.e.example", "192.0.2.9");
        m.version = "TLSv1.2";
        m.cipher = "DES-CBC3-SHA"; // a poor server preference
        m.forward_secrecy = false;
        m.versions = {{"TLSv1", true}, {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", false}};
        m.ciphers = {{"TLSv1", {"DES-CBC3-SHA"}},
                     {"TLSv1.2", {"DES-CBC3-SHA", "ECDHE-RSA-AES128-GCM-SHA256"}}};
        policy::outbound_requirements q;
        q.require_forward_secrecy = true;
        const auto v = policy::check_outbound(partner("e.example", {m}), q, join_time);
        CHECK(v.state == compatibility::compatible);
        REQUIRE(v.mx.size() == 1);
        CHECK(v.mx[0].weakest_version == "TLSv1");
        CHECK(v.mx[0].strongest_version == "TLSv1.2");
        CHECK(v.mx[0].weakest_cipher == "DES-CBC3-SHA");
        CHECK(v.mx[0].strongest_cipher == "ECDHE-RSA-AES128-GCM-SHA256");
        CHECK(has_text(v.mx[0].notes, "still accepts DES-CBC3-SHA"));

        policy::outbound_requirements strict = q;
        strict.min_version = "TLSv1.3";
        const auto s = policy::check_outbound(partner("e.example", {m}), strict, join_time);
        CHECK(s.state == compatibility::incompatible);
        CHECK(has_text(s.blocking, "accepts at best TLSv1.2, below the required TLSv1.3"));
    }

    TEST_CASE("outbound: an enumeration the server cut short does not hide what was negotiated") {
        // The main session negotiated TLS 1.3; the walk lost the server before it reached
        // TLS 1.3 and recorded it as not accepted.
        mx_facts m = healthy_mx("mx.p.example", "192.0.2.12");
        m.enumerated = true;
        m.enumeration_complete = false;
        m.versions = {{"TLSv1", false}, {"TLSv1.1", false}, {"TLSv1.2", true}, {"TLSv1.3", false}};
        m.ciphers = {{"TLSv1.2", {"ECDHE-RSA-AES256-GCM-SHA384"}}};
        policy::outbound_requirements q;
        q.min_version = "TLSv1.3";
        const auto v = policy::check_outbound(partner("p.example", {m}), q, join_time);
        CHECK(v.state == compatibility::compatible);
        CHECK(v.blocking.empty());
        REQUIRE(v.mx.size() == 1);
        CHECK(v.mx[0].strongest_version == "TLSv1.3");
        CHECK(v.mx[0].weakest_version == "TLSv1.2");
        CHECK(v.mx[0].strongest_cipher == "TLS_AES_256_GCM_SHA384");
        CHECK(has_text(v.mx[0].notes, "the enumeration did not finish"));

        // Finished, the same facts carry no such note.
        m.enumeration_complete = true;
        const auto whole = policy::check_outbound(partner("p.example", {m}), q, join_time);
        REQUIRE(whole.mx.size() == 1);
        CHECK_FALSE(has_text(whole.mx[0].notes, "the enumeration did not finish"));
    }

    TEST_CASE("outbound: valid certificates, MTA-STS enforce and DANE are honoured when asked") {
        mx_facts expired = healthy_mx("mx.x.example", "192.0.2.20");
        expired.result_types = {"certificate-expired"};
        policy::outbound_requirements q;
        CHECK(policy::check_outbound(partner("x.example", {expired}), q, join_time).compatible);
        q.require_valid_certificate = true;
        const auto v = policy::check_outbound(partner("x.example", {expired}), q, join_time);
        CHECK_FALSE(v.compatible);
        CHECK(has_text(v.blocking, "certificate not valid: certificate-expired"));

        mx_facts sts = healthy_mx("mx.s.example", "192.0.2.21");
        sts.policy = "sts";
        sts.sts_compliant = false;
        sts.sts_result_type = "validation-failure";
        auto d = partner("s.example", {sts});
        d.sts_mode = "enforce";
        policy::outbound_requirements honour;
        CHECK(has_text(policy::check_outbound(d, honour, join_time).blocking,
                       "fails the partner's MTA-STS enforce policy: validation-failure"));
        honour.honour_mta_sts = false;
        CHECK(policy::check_outbound(d, honour, join_time).compatible);

        mx_facts dane = healthy_mx("mx.d.example", "192.0.2.22");
        dane.policy = "dane";
        dane.dane_result_types = {"tlsa-invalid"};
        CHECK(has_text(policy::check_outbound(partner("d.example", {dane}), {}, join_time).blocking,
                       "fails the partner's DANE TLSA records: tlsa-invalid"));
    }

    TEST_CASE("outbound: unchecked hosts, null MX and missing domains") {
        mx_facts busy = healthy_mx("mx.busy.example", "192.0.2.30");
        busy.checked = false;
        busy.rate_limited = true;
        const auto v = policy::check_outbound(partner("busy.example", {busy}), {}, join_time);
        CHECK(v.state == compatibility::unknown);
        REQUIRE(v.mx.size() == 1);
        CHECK(has_text(v.mx[0].notes, "not checked: rate-limited"));
        auto null_mx = partner("null.example", {});
        null_mx.route = "null-mx";
        CHECK(policy::check_outbound(null_mx, {}, join_time).state == compatibility::no_mail);
        auto gone = partner("gone.example", {});
        gone.route = "nxdomain";
        CHECK(policy::check_outbound(gone, {}, join_time).state == compatibility::incompatible);
    }

    TEST_CASE("inbound: the RFC 8460 example report joined with probe evidence, per MX") {
        // Our domain company-y.example: mx1's certificate has expired (the probe sees it),
        // mx2 now offers STARTTLS (fixed since), and mx-backup was not probed.
        mx_facts mx1 = healthy_mx("mx1.mail.company-y.example", "203.0.113.55");
        mx1.cert_not_after = 1795996800; // 2026-11-30
        mx1.result_types = {"certificate-expired"};
        mx1.findings = {{"certificate-expired", "the certificate expired 4 day(s) ago"}};
        mx_facts mx2 = healthy_mx("mx2.mail.company-y.example", "203.0.113.56");
        auto own = partner("company-y.example", {mx1, mx2});
        own.role = "own";
        const std::vector<policy::tlsrpt_report> reports = {
            report_file("synthetic/mail-auth__rpt01.json")};
        const auto s = policy::summarise_inbound(own, reports);
        CHECK(s.reports == 1);
        CHECK(s.successes == 5326);
        CHECK(s.failures == 303);
        CHECK(s.failure_rate() == doctest::Approx(303.0 / 5629.0));
        CHECK(s.failure_types.at("certificate-expired") == 100);
        CHECK(s.organizations.at("Company-X").failure == 303);
        CHECK(s.receiving_mx.at("mx2.mail.company-y.example").failures == 200);
        REQUIRE(s.explanations.size() == 3);
        // Most sessions first.
        CHECK(s.explanations[0].result_type == "starttls-not-supported");
        CHECK(s.explanations[0].status == policy::evidence_status::not_reproduced);
        CHECK(s.explanations[0].text.find("reported by 1 organization for 200 sessions at "
                                          "mx2.mail.company-y.example") == 23);
        CHECK(s.explanations[0].text.find("not reproduced (fixed since, or intermittent)") !=
              std::string::npos);
        CHECK(s.explanations[1].result_type == "certificate-expired");
        CHECK(s.explanations[1].status == policy::evidence_status::reproduced);
        CHECK(s.explanations[1].text ==
              "certificate-expired reported by 1 organization for 100 sessions at "
              "mx1.mail.company-y.example; probe: mx1.mail.company-y.example's certificate "
              "expired on 2026-11-30 — reproduced");
        CHECK(s.explanations[2].result_type == "validation-failure");
        CHECK(s.explanations[2].status == policy::evidence_status::no_probe_data);
        CHECK(s.explanations[2].reason_codes ==
              std::vector<std::string>{"X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"});
    }

    TEST_CASE("inbound: reports for another domain do not count, DANE reports count by MX") {
        auto own = partner("example.org", {healthy_mx("mx.example.org", "192.0.2.40")});
        own.role = "own";
        const auto s = policy::summarise_inbound(
            own, {report_file("real/mailweave__microsoft.com!example.com!1739750400!1739836799!"
                              "133843802167204397.json")});
        CHECK(s.reports == 0);
        CHECK(s.sessions() == 0);
        policy::tlsrpt_policy tlsa;
        tlsa.policy_type = "tlsa";
        tlsa.policy_domain = "MX.example.org.";
        CHECK(policy::report_policy_concerns(tlsa, own));
        tlsa.policy_type = "sts";
        CHECK_FALSE(policy::report_policy_concerns(tlsa, own));
    }

    TEST_CASE("inbound: a host mismatch reported at an MX whose certificate is fine now") {
        auto own = partner("example.com", {healthy_mx("outgoing-smtp-2.example.com", "192.0.2.4")});
        own.role = "own";
        const auto s = policy::summarise_inbound(
            own, {report_file("real/mailweave__microsoft.com!example.com!1739750400!1739836799!"
                              "133843802167204397.json")});
        REQUIRE(s.explanations.size() == 1);
        CHECK(s.explanations[0].result_type == "certificate-host-mismatch");
        CHECK(s.explanations[0].status == policy::evidence_status::not_reproduced);
        CHECK(s.explanations[0].organizations == std::vector<std::string>{"Microsoft Corporation"});
        CHECK(s.explanations[0].evidence.find("negotiates TLSv1.3") != std::string::npos);
    }

    TEST_CASE("coverage: validated, opportunistic, failing and unknown, per tag and by sessions") {
        mx_facts self_signed = healthy_mx("mx.o.example", "192.0.2.50");
        self_signed.cert_trusted = false;
        self_signed.result_types = {"certificate-not-trusted"};
        mx_facts plain = healthy_mx("mx.f.example", "192.0.2.51");
        plain.tls = false;
        plain.starttls_offered = false;
        mx_facts down = healthy_mx("mx.u.example", "192.0.2.52");
        down.checked = false;
        auto v = partner("v.example", {healthy_mx("mx.v.example", "192.0.2.53")});
        v.tags = {"finance"};
        auto o = partner("o.example", {self_signed});
        o.tags = {"finance"};
        const auto f = partner("f.example", {plain});
        const auto u = partner("u.example", {down});
        CHECK(policy::classify_encryption(v) == policy::encryption_class::validated);
        CHECK(policy::classify_encryption(o) == policy::encryption_class::opportunistic);
        CHECK(policy::classify_encryption(f) == policy::encryption_class::failing);
        CHECK(policy::classify_encryption(u) == policy::encryption_class::unknown);
        policy::inbound_summary in;
        in.policy_types["sts"] = {900, 50};
        in.policy_types["no-policy-found"] = {50, 0};
        const auto c = policy::compute_coverage({v, o, f, u}, {in});
        CHECK(c.partners.total() == 4);
        CHECK(c.partners.validated == 1);
        CHECK(c.partners.opportunistic == 1);
        CHECK(c.partners.failing == 1);
        CHECK(c.partners.unknown == 1);
        CHECK(c.by_tag.at("finance").total() == 2);
        CHECK(c.by_tag.at("finance").validated == 1);
        CHECK(c.sessions.validated == 900);
        CHECK(c.sessions.opportunistic == 50);
        CHECK(c.sessions.failed == 50);
    }

    TEST_CASE("what-if: requiring TLS 1.3 breaks the TLS 1.2 partner, weighted by its reports") {
        mx_facts tls12 = healthy_mx("mx.example.com", "192.0.2.60");
        tls12.version = "TLSv1.2";
        tls12.cipher = "ECDHE-RSA-AES256-GCM-SHA384";
        auto google = partner("google.com", {tls12});
        google.name = "Google";
        const auto modern =
            partner("modern.example", {healthy_mx("mx.modern.example", "192.0.2.61")});
        const std::vector<policy::tlsrpt_report> reports = {
            report_file("real/mailweave__google.com!example.com!1747094400!1747180799!001.json"),
            report_file("real/mailweave__microsoft.com!example.com!1739750400!1739836799!"
                        "133843802167204397.json")};
        policy::outbound_requirements current;
        policy::outbound_requirements strict;
        strict.min_version = "TLSv1.3";
        const auto w =
            policy::evaluate_what_if({google, modern}, current, strict, reports, join_time);
        CHECK(w.partners == 2);
        CHECK(w.compatible_now == 2);
        CHECK(w.compatible_after == 1);
        REQUIRE(w.breaking.size() == 1);
        CHECK(w.breaking[0].domain == "google.com");
        CHECK(has_text(w.breaking[0].blocking, "below the required TLSv1.3"));
        CHECK(w.reported_sessions == 48 + 21);
        CHECK(w.breaking[0].reported_sessions == 48); // Google's report: contact-info @google.com
        CHECK(w.affected_share() == doctest::Approx(48.0 / 69.0));
    }

    TEST_CASE("suites and versions rank the way a careful sender prefers them") {
        using policy::cipher_rank;
        CHECK(cipher_rank("TLS_AES_256_GCM_SHA384") > cipher_rank("ECDHE-RSA-AES256-GCM-SHA384"));
        CHECK(cipher_rank("ECDHE-RSA-AES128-GCM-SHA256") > cipher_rank("ECDHE-RSA-AES256-SHA384"));
        CHECK(cipher_rank("ECDHE-RSA-AES256-SHA384") > cipher_rank("AES256-GCM-SHA384"));
        CHECK(cipher_rank("AES128-SHA") > cipher_rank("DES-CBC3-SHA"));
        CHECK(cipher_rank("DES-CBC3-SHA") > cipher_rank("RC4-SHA"));
        CHECK(cipher_rank("RC4-SHA") > cipher_rank("ADH-AES256-GCM-SHA384"));
        CHECK(policy::version_rank("TLSv1.3") > policy::version_rank("TLSv1.2"));
        CHECK(policy::version_rank("TLSv1") > policy::version_rank("SSLv3"));
        CHECK(policy::cipher_has_forward_secrecy("DHE-RSA-AES128-SHA"));
        CHECK_FALSE(policy::cipher_has_forward_secrecy("AES128-SHA"));
    }
}
