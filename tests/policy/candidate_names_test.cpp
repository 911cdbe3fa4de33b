// The name checks of `check-cert`: the domain's mail route, each MX name covered by the
// leaf (the verdict is the probe's RFC 9525 one, the evidence names the SAN entry), and each
// MX matched by an `mx` pattern of the domain's MTA-STS policy, including a policy whose
// patterns miss one of the MX hosts.

#include "policy/candidate_names.hpp"
#include "policy/sts_outcome.hpp"
#include "tests/policy/check_status_print.hpp"
#include "tests/support/text_match.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

using policy::check_status;

namespace {

using mxprobe_test::contains;

resolver::mx_host_lookup mx_host(std::uint16_t preference, std::string host) {
    resolver::mx_host_lookup h;
    h.preference = preference;
    h.host = std::move(host);
    return h;
}

resolver::mail_lookup route(resolver::dns_status status,
                            std::vector<resolver::mx_host_lookup> hosts = {}) {
    resolver::mail_lookup r;
    r.domain = "example.com";
    r.mx.status = status;
    r.mx.authenticated = true;
    r.hosts = std::move(hosts);
    return r;
}

// The outcome of MTA-STS discovery for example.com with this TXT record and policy body.
policy::sts_outcome discovered(const std::string& txt, const std::string& body,
                               probe::fetch_failure failure = probe::fetch_failure::none) {
    resolver::txt_answer answer;
    answer.status = resolver::dns_status::noerror;
    answer.records.push_back({txt, 1});
    probe::https_response response;
    response.status = failure == probe::fetch_failure::none ? 200 : 0;
    response.content_type = "text/plain";
    response.body = body;
    response.failure = failure;
    if (failure != probe::fetch_failure::none) {
        response.error = "connection refused";
    }
    return policy::judge_sts_discovery("example.com", answer, response);
}

std::string policy_body(const std::string& mode, const std::vector<std::string>& mx) {
    std::string body = "version: STSv1\nmode: " + mode + "\n";
    for (const auto& m : mx) {
        body += "mx: " + m + "\n";
    }
    return body + "max_age: 86400\n";
}

const std::string sts_txt_record = "v=STSv1; id=20261201T000000;";
const std::vector<std::string> both_mx{"mx1.example.com", "mx2.example.com"};

} // namespace

TEST_SUITE("policy.candidate_names") {

    TEST_CASE("mail route: MX hosts listed, implicit MX, null MX warns, NXDOMAIN fails") {
        std::vector<std::string> hosts;
        const auto ok = policy::check_mail_route(
            route(resolver::dns_status::noerror,
                  {mx_host(10, "mx1.example.com"), mx_host(20, "mx2.example.com")}),
            hosts);
        CHECK(ok.status == check_status::ok);
        CHECK(ok.message == "MX 10 mx1.example.com, 20 mx2.example.com (DNSSEC-secure)");
        CHECK(hosts == both_mx);

        auto implicit = route(resolver::dns_status::nodata, {mx_host(0, "example.com")});
        implicit.implicit_mx = true;
        hosts.clear();
        CHECK(policy::check_mail_route(implicit, hosts).status == check_status::ok);
        CHECK(hosts == std::vector<std::string>{"example.com"});

        auto null_mx = route(resolver::dns_status::noerror);
        null_mx.null_mx = true;
        hosts.clear();
        CHECK(policy::check_mail_route(null_mx, hosts).status == check_status::warn);
        CHECK(hosts.empty());

        CHECK(policy::check_mail_route(route(resolver::dns_status::nxdomain), hosts).status ==
              check_status::fail);
        CHECK(policy::check_mail_route(route(resolver::dns_status::nodata), hosts).status ==
              check_status::fail);
    }

    TEST_CASE("mail route: a lookup that got no answer cannot be checked") {
        std::vector<std::string> hosts;
        auto timeout = route(resolver::dns_status::timeout);
        timeout.mx.detail = "no answer";
        const auto c = policy::check_mail_route(timeout, hosts);
        CHECK(c.status == check_status::unknown);
        CHECK(contains(c.message, "the MX lookup failed (timeout: no answer)"));
        CHECK(policy::check_mail_route(route(resolver::dns_status::servfail), hosts).status ==
              check_status::unknown);
    }

    TEST_CASE("name: covered names show the SAN entry, uncovered ones list the SANs") {
        probe::cert_info leaf;
        leaf.san_dns = {"mx1.example.com", "*.mail.example.com"};
        const auto exact = policy::check_name(leaf, "mx1.example.com", true, "MX");
        CHECK(exact.status == check_status::ok);
        CHECK(exact.subject == "mx1.example.com");
        CHECK(exact.message == "MX mx1.example.com is covered by subjectAltName mx1.example.com");
        const auto wild = policy::check_name(leaf, "in.mail.example.com", true, "MX");
        CHECK(contains(wild.message, "by subjectAltName *.mail.example.com"));
        const auto miss = policy::check_name(leaf, "mx2.example.com", false, "MX");
        CHECK(miss.status == check_status::fail);
        CHECK(miss.message == "MX mx2.example.com is not covered by the subjectAltName DNS names "
                              "(mx1.example.com, *.mail.example.com)");
        probe::cert_info cn_only;
        cn_only.subject = "CN=mx.example.com";
        const auto none = policy::check_name(cn_only, "mx.example.com", false, "MX");
        CHECK(none.status == check_status::fail);
        CHECK(contains(none.message, "no subjectAltName DNS names (the CN is not used"));
    }

    TEST_CASE("mta-sts enforce: every MX matched → ok, listing the patterns") {
        const auto sts = discovered(sts_txt_record,
                                    policy_body("enforce", {"mx1.example.com", "*.example.com"}));
        const auto c = policy::check_sts_patterns(sts, both_mx);
        CHECK(c.status == check_status::ok);
        CHECK(c.subject == "example.com");
        CHECK(c.message ==
              "every MX matches the enforce policy: mx1.example.com ~ mx1.example.com; "
              "mx2.example.com ~ *.example.com");
    }

    TEST_CASE("mta-sts enforce whose mx patterns miss one MX host → fail naming it") {
        const auto sts = discovered(sts_txt_record, policy_body("enforce", {"mx1.example.com"}));
        const auto c = policy::check_sts_patterns(sts, both_mx);
        CHECK(c.status == check_status::fail);
        CHECK(c.message == "mx2.example.com matches no mx pattern of the enforce policy (mx: "
                           "mx1.example.com): enforce-mode senders will not deliver there");
    }

    TEST_CASE("mta-sts testing with a missed MX → warn, mode none → ok") {
        const auto testing =
            discovered(sts_txt_record, policy_body("testing", {"mx1.example.com"}));
        CHECK(policy::check_sts_patterns(testing, both_mx).status == check_status::warn);
        const auto none =
            discovered(sts_txt_record, "version: STSv1\nmode: none\nmax_age: 86400\n");
        const auto c = policy::check_sts_patterns(none, both_mx);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "mode is none"));
    }

    TEST_CASE("no MTA-STS at all → ok, an invalid TXT record → warn") {
        resolver::txt_answer empty;
        empty.status = resolver::dns_status::nxdomain;
        const auto absent = policy::judge_sts_discovery("example.com", empty, std::nullopt);
        const auto c = policy::check_sts_patterns(absent, both_mx);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "no MTA-STS policy"));
        const auto bad = discovered("v=STSv1; id=not-valid!;", policy_body("enforce", {"x"}));
        CHECK(policy::check_sts_patterns(bad, both_mx).status == check_status::warn);
    }

    TEST_CASE("a policy that cannot be fetched: warn when the host is at fault, unknown when "
              "the fetch ran out of time") {
        const auto invalid =
            discovered(sts_txt_record, "version: STSv1\nmode: enforce\n"); // no max_age
        const auto a = policy::check_sts_patterns(invalid, both_mx);
        CHECK(a.status == check_status::warn);
        CHECK(contains(a.message, "sts-policy-invalid"));
        const auto late = discovered(sts_txt_record, "", probe::fetch_failure::timeout);
        const auto b = policy::check_sts_patterns(late, both_mx);
        CHECK(b.status == check_status::unknown);
        CHECK(contains(b.message, "sts-policy-fetch-error"));
        // A policy host that does not resolve or refuses connections: senders fail too.
        for (const auto f : {probe::fetch_failure::dns, probe::fetch_failure::connect}) {
            CHECK(policy::check_sts_patterns(discovered(sts_txt_record, "", f), both_mx).status ==
                  check_status::warn);
        }
        const auto media = discovered(sts_txt_record, "", probe::fetch_failure::media_type);
        CHECK(policy::check_sts_patterns(media, both_mx).status == check_status::warn);
    }

    TEST_CASE("a TXT lookup without an answer cannot be checked") {
        resolver::txt_answer lost;
        lost.status = resolver::dns_status::timeout;
        const auto sts = policy::judge_sts_discovery("example.com", lost, std::nullopt);
        CHECK(policy::check_sts_patterns(sts, both_mx).status == check_status::unknown);
    }
}
