// `mxprobe host` with DANE, end to end: the real binary against an in-process fake SMTP
// server (a certificate made at test time) and an in-process fake DNS server that publishes
// `_25._tcp.mx.test` TLSA with or without the AD bit. Everything on 127.0.0.1.

#include "probe/cert_info.hpp"
#include "tests/support/fake_dns_server.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/mxprobe_cli.hpp"
#include "tests/support/raw_bytes.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;

namespace {

using json = nlohmann::json;

constexpr const char* tlsa_name = "_25._tcp.mx.test";

// A self-signed leaf for mx.test: no WebPKI sender trusts it, a DANE-EE record can.
const issued& self_signed() {
    static const issued cert = [] {
        cert_spec spec;
        spec.common_name = "mx.test";
        spec.dns_names = {"mx.test"};
        return make_self_signed(spec);
    }();
    return cert;
}

std::string spki_sha256(const issued& cert) {
    return probe::describe_certificate(cert.cert.get()).spki_sha256;
}

smtp_script tls_script() {
    smtp_script s;
    s.tls.cert_chain_pem = self_signed().cert_pem();
    s.tls.key_pem = self_signed().key_pem();
    return s;
}

// Answers only the TLSA question; anything else is refused.
query_handler tlsa_handler(std::function<response(const query&)> tlsa) {
    return [tlsa = std::move(tlsa)](const query& q) -> response {
        if (q.type == qtype::tlsa && q.name == tlsa_name) {
            return tlsa(q);
        }
        return reply_to(q).rcode(rcode::refused);
    };
}

response secure_311(const query& q, const std::string& hex, bool ad = true) {
    return reply_to(q).set_flag(flag::ad, ad).tlsa(q.name, 3, 1, 1, from_hex(hex));
}

struct host_run {
    int exit_code = -1;
    json doc;
};

host_run run_host(const fake_smtp_server& smtp, const fake_dns_server& dns,
                  const std::string& extra = "", const std::string& timeout = "5") {
    const std::string command =
        std::string(MXPROBE_BINARY) + " --resolver 127.0.0.1:" + std::to_string(dns.port()) +
        " --timeout " + timeout + " --json host mx.test --ip 127.0.0.1 --port " +
        std::to_string(smtp.port()) + " --allow-private --ehlo probe.test " + extra;
    const auto r = run(command);
    REQUIRE_MESSAGE(!r.out.empty(), "no output from: " << command);
    return {r.exit_code, json::parse(r.out)};
}

std::vector<std::string> string_list(const json& j) {
    return j.get<std::vector<std::string>>();
}

const std::vector<std::string> not_trusted{"certificate-not-trusted"};

} // namespace

TEST_SUITE("tools.host_dane") {

    TEST_CASE("secure 3 1 1 matching a self-signed leaf: DANE decides, WebPKI view kept, exit 1") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns(
            tlsa_handler([](const query& q) { return secure_311(q, spki_sha256(self_signed())); }));
        const auto r = run_host(smtp, dns);
        const json& dane = r.doc["dane"];
        CHECK(dane["status"] == "applies");
        CHECK(dane["tlsa_name"] == tlsa_name);
        CHECK(dane["tlsa_secure"] == true);
        CHECK(dane["usable"] == 1);
        CHECK(dane["matched"] == true);
        CHECK(dane["authenticated"] == true);
        CHECK(dane["records"][0]["matched_depth"] == 0);
        CHECK(dane["result_types"].empty());
        CHECK(r.doc["effective_policy"] == "dane");
        CHECK(r.doc["effective_result_types"].empty());
        // The WebPKI view is still there, honestly: a WebPKI sender would not trust it.
        CHECK(string_list(r.doc["result_types"]) == not_trusted);
        CHECK(r.doc["certificate"]["trusted"] == false);
        CHECK(r.doc["verdict"] == "warning");
        CHECK(r.exit_code == 1);
        check_schema(r.doc, "host.schema.json", "dane-match");
    }

    TEST_CASE("secure 3 1 1 for another key: tlsa-invalid, exit 2") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns(
            tlsa_handler([](const query& q) { return secure_311(q, std::string(64, 'a')); }));
        const auto r = run_host(smtp, dns);
        CHECK(r.doc["dane"]["matched"] == false);
        CHECK(string_list(r.doc["effective_result_types"]) ==
              std::vector<std::string>{"tlsa-invalid"});
        CHECK(string_list(r.doc["result_types"]) == not_trusted);
        CHECK(r.exit_code == 2);
        check_schema(r.doc, "host.schema.json", "dane-mismatch");
    }

    TEST_CASE("the same TLSA without the AD bit is ignored: WebPKI decides") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns(tlsa_handler(
            [](const query& q) { return secure_311(q, spki_sha256(self_signed()), false); }));
        const auto r = run_host(smtp, dns);
        CHECK(r.doc["dane"]["status"] == "insecure");
        CHECK(r.doc["dane"]["tlsa_secure"] == false);
        CHECK(r.doc["effective_policy"] == "webpki");
        CHECK(string_list(r.doc["effective_result_types"]) == not_trusted);
        CHECK(r.exit_code == 2);
    }

    TEST_CASE("SERVFAIL on the TLSA lookup: dnssec-invalid") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns(
            tlsa_handler([](const query& q) { return reply_to(q).rcode(rcode::servfail); }));
        const auto r = run_host(smtp, dns);
        CHECK(r.doc["dane"]["status"] == "dnssec-invalid");
        CHECK(string_list(r.doc["effective_result_types"]) ==
              std::vector<std::string>{"dnssec-invalid"});
        CHECK(r.exit_code == 2);
        check_schema(r.doc, "host.schema.json", "dane-servfail");
    }

    TEST_CASE("a resolver that never answers: DANE lookup-failed, the probe still runs") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns([](const query&) { return response::drop(); });
        const auto r = run_host(smtp, dns, "", "1");
        CHECK(r.doc["dane"]["status"] == "lookup-failed");
        CHECK(r.doc["dane"]["result_types"].empty());
        CHECK(r.doc["status"] == "success");
        CHECK(r.doc["effective_policy"] == "webpki");
        CHECK(string_list(r.doc["effective_result_types"]) == not_trusted);
        CHECK(r.exit_code == 2);
        check_schema(r.doc, "host.schema.json", "dane-no-answer");
    }

    TEST_CASE("--no-dane asks no DNS question, --require-dane without TLSA: dane-required") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns(tlsa_handler([](const query& q) { return reply_to(q); })); // NODATA
        const auto skipped = run_host(smtp, dns, "--no-dane");
        CHECK(skipped.doc["dane"]["status"] == "not-looked-up");
        CHECK(dns.queries().empty());

        const auto required = run_host(smtp, dns, "--require-dane");
        CHECK(required.doc["dane"]["status"] == "no-records");
        CHECK(required.doc["effective_policy"] == "dane");
        CHECK(string_list(required.doc["effective_result_types"]) ==
              std::vector<std::string>{"dane-required"});
        CHECK(required.exit_code == 2);
    }

    TEST_CASE("human output: one DANE line and both views on the RFC 8460 line") {
        fake_smtp_server smtp(tls_script());
        fake_dns_server dns(
            tlsa_handler([](const query& q) { return secure_311(q, spki_sha256(self_signed())); }));
        const auto r = run(std::string(MXPROBE_BINARY) + " --resolver 127.0.0.1:" +
                           std::to_string(dns.port()) + " host mx.test --ip 127.0.0.1 --port " +
                           std::to_string(smtp.port()) + " --allow-private --ehlo probe.test");
        CHECK(r.out.find("DANE      applies, 1 TLSA record(s), 1 usable, matched 3 1 1 at depth "
                         "0: authenticated") != std::string::npos);
        CHECK(r.out.find("RFC 8460  none (a DANE sender would succeed); WebPKI alone: "
                         "certificate-not-trusted") != std::string::npos);
    }
}
