// `mxprobe mta-sts`, end to end: the real binary against an in-process fake DNS server
// (`_mta-sts` TXT, the policy host's address, the MX RRset) and an in-process fake HTTPS
// server on a random port (--policy-port) with certificates from a test CA made at test time.
// Each case checks the RFC 8460 result type, the error text and the exit status.

#include "tests/support/fake_dns_server.hpp"
#include "tests/support/fake_https_server.hpp"
#include "tests/support/mxprobe_cli.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"

#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;

namespace {

using json = nlohmann::json;

constexpr const char* domain = "example.test";
constexpr const char* sts_host = "mta-sts.example.test";
const std::string enforce_policy =
    "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: mx2.example.test\nmax_age: 86400\n";

struct policy_pki_t {
    test_pki pki = test_pki::create();
    issued leaf = pki.leaf({.common_name = sts_host, .dns_names = {sts_host}});
    issued other_name =
        pki.leaf({.common_name = "www.example.test", .dns_names = {"www.example.test"}});
    issued expired = pki.leaf({.common_name = sts_host,
                               .dns_names = {sts_host},
                               .not_before_offset = -std::chrono::hours(24 * 60),
                               .not_after_offset = -std::chrono::hours(24)});
    std::string root_file = write_temp_file(pki.root.cert_pem());
};

const policy_pki_t& certs() {
    static const policy_pki_t m;
    return m;
}

https_script serving(std::string response, const issued& cert = certs().leaf) {
    https_script s;
    s.cert_chain_pem = cert.cert_pem() + certs().pki.intermediate.cert_pem();
    s.key_pem = cert.key_pem();
    s.response = std::move(response);
    return s;
}

https_script serving_policy(const std::string& body) {
    return serving(http_response(200, "text/plain", body));
}

// What the fake DNS server publishes for example.test.
struct sts_zone {
    std::optional<std::vector<std::string>> sts_txt = std::vector<std::string>{
        "v=STSv1; id=20261203;"}; ///< nullopt: _mta-sts.example.test does not exist
    std::uint8_t txt_rcode = rcode::noerror;
    std::vector<std::string> mx = {"mx1.example.test", "mx2.example.test"};
    std::uint8_t mx_rcode = rcode::noerror;
};

query_handler serve(const sts_zone& z) {
    return [z](const query& q) -> response {
        if (q.name == std::string("_mta-sts.") + domain && q.type == qtype::txt) {
            if (z.txt_rcode != rcode::noerror) {
                return reply_to(q).rcode(z.txt_rcode);
            }
            if (!z.sts_txt) {
                return reply_to(q).rcode(rcode::nxdomain);
            }
            auto r = reply_to(q);
            for (const auto& t : *z.sts_txt) {
                r.txt(q.name, {t});
            }
            return r;
        }
        if (q.name == sts_host) {
            return q.type == qtype::a ? response(reply_to(q).a(q.name, "127.0.0.1"))
                                      : response(reply_to(q));
        }
        if (q.name == domain && q.type == qtype::mx) {
            if (z.mx_rcode != rcode::noerror) {
                return reply_to(q).rcode(z.mx_rcode);
            }
            auto r = reply_to(q);
            std::uint16_t preference = 10;
            for (const auto& host : z.mx) {
                r.mx(q.name, preference, host);
                preference += 10;
            }
            return r;
        }
        return reply_to(q).rcode(rcode::nxdomain);
    };
}

struct sts_run {
    int exit_code = -1;
    json doc;
    std::string text;
};

std::string command(const fake_dns_server& dns, std::uint16_t https_port, bool as_json) {
    return std::string(MXPROBE_BINARY) + " --resolver 127.0.0.1:" + std::to_string(dns.port()) +
           " --timeout 5" + (as_json ? " --json" : "") + " mta-sts " + domain + " --ca-file " +
           shell_quote(certs().root_file) + " --allow-private --policy-port " +
           std::to_string(https_port);
}

sts_run check(const fake_https_server& https, const sts_zone& z = {}) {
    fake_dns_server dns(serve(z));
    const auto r = run(command(dns, https.port(), true));
    REQUIRE_MESSAGE(!r.out.empty(), "no output");
    return {r.exit_code, json::parse(r.out), ""};
}

bool mentions(const json& j, const std::string& part) {
    return j.is_string() && j.get<std::string>().find(part) != std::string::npos;
}

// A discovery failure a sender reports: the type, the reason, exit 2, schema-valid output.
void expect_failure(const sts_run& r, const std::string& type, const std::string& reason,
                    const std::string& name) {
    CHECK(r.doc["result_type"] == type);
    CHECK_MESSAGE(mentions(r.doc["error"], reason), r.doc["error"]);
    CHECK(mentions(r.doc["error"], sts_host));
    CHECK(r.doc["policy_applies"] == false);
    CHECK(r.doc["verdict"] == "critical");
    REQUIRE(r.doc["findings"].size() == 1);
    CHECK(r.doc["findings"][0]["code"] == type);
    CHECK(r.exit_code == 2);
    check_schema(r.doc, "mta-sts.schema.json", name);
}

} // namespace

TEST_SUITE("tools.mta_sts") {

    TEST_CASE("valid enforce policy covering both MX hosts: no result type, exit 0") {
        fake_https_server https(serving_policy(enforce_policy));
        const auto r = check(https);
        CHECK(r.doc["schema"] == "mxprobe/mta-sts/1");
        CHECK(r.doc["domain"] == domain);
        CHECK(r.doc["txt"]["raw"] == "v=STSv1; id=20261203;");
        CHECK(r.doc["txt"]["id"] == "20261203");
        CHECK(r.doc["policy"]["version"] == "STSv1");
        CHECK(r.doc["policy"]["mode"] == "enforce");
        CHECK(r.doc["policy"]["mx"] == json{"mx1.example.test", "mx2.example.test"});
        CHECK(r.doc["policy"]["max_age"] == 86400);
        CHECK(r.doc["result_type"].is_null());
        CHECK(r.doc["error"].is_null());
        CHECK(r.doc["policy_applies"] == true);
        CHECK(r.doc["fetch"]["status"] == 200);
        CHECK(r.doc["fetch"]["url"] ==
              "https://mta-sts.example.test:" + std::to_string(https.port()) +
                  "/.well-known/mta-sts.txt");
        CHECK(r.doc["fetch"]["certificate"]["trusted"] == true);
        CHECK(r.doc["mx"]["checked"] == true);
        CHECK(r.doc["mx"]["uncovered"] == 0);
        REQUIRE(r.doc["mx"]["hosts"].size() == 2);
        CHECK(r.doc["mx"]["hosts"][1]["host"] == "mx2.example.test");
        CHECK(r.doc["mx"]["hosts"][1]["pattern"] == "mx2.example.test");
        CHECK(r.doc["mx"]["hosts"][1]["covered"] == true);
        CHECK(r.doc["findings"].empty());
        CHECK(r.doc["verdict"] == "ok");
        CHECK(r.exit_code == 0);
        REQUIRE(https.sni_names().size() == 1);
        CHECK(https.sni_names()[0] == sts_host);
        check_schema(r.doc, "mta-sts.schema.json", "enforce");
    }

    TEST_CASE("testing policy with a wildcard covering every MX: exit 0") {
        fake_https_server https(serving_policy(
            "version: STSv1\r\nmode: testing\r\nmx: *.example.test\r\nmax_age: 604800\r\n"));
        const auto r = check(https);
        CHECK(r.doc["policy"]["mode"] == "testing");
        CHECK(r.doc["mx"]["hosts"][0]["pattern"] == "*.example.test");
        CHECK(r.doc["mx"]["uncovered"] == 0);
        CHECK(r.doc["result_type"].is_null());
        CHECK(r.exit_code == 0);
        check_schema(r.doc, "mta-sts.schema.json", "testing");
    }

    TEST_CASE("no _mta-sts record: txt and policy null, no error, nothing fetched, exit 0") {
        fake_https_server https(serving_policy(enforce_policy));
        sts_zone z;
        z.sts_txt.reset();
        const auto r = check(https, z);
        CHECK(r.doc["txt"].is_null());
        CHECK(r.doc["txt_status"] == "nxdomain");
        CHECK(r.doc["policy"].is_null());
        CHECK(r.doc["fetch"].is_null());
        CHECK(r.doc["result_type"].is_null());
        CHECK(r.doc["error"].is_null());
        CHECK(r.doc["mx"]["checked"] == false);
        CHECK(r.exit_code == 0);
        CHECK(https.connections() == 0);
        check_schema(r.doc, "mta-sts.schema.json", "no-record");

        z.sts_txt = std::vector<std::string>{"v=spf1 -all"};
        fake_dns_server dns(serve(z));
        const auto text = run(command(dns, https.port(), false));
        CHECK(text.exit_code == 0);
        CHECK(text.out == "example.test  MTA-STS  OK\n  TXT       no v=STSv1 record (1 other TXT "
                          "record(s)): no MTA-STS policy\n");
    }

    TEST_CASE("a redirect is not followed: sts-policy-fetch-error naming the target") {
        fake_https_server https(serving(http_response(
            301, "text/html", "", "Location: https://elsewhere.example.test/policy\r\n")));
        const auto r = check(https);
        expect_failure(r, "sts-policy-fetch-error",
                       "HTTP 301 redirect to 'https://elsewhere.example.test/policy'", "redirect");
        CHECK(r.doc["fetch"]["location"] == "https://elsewhere.example.test/policy");
        CHECK(r.doc["policy"].is_null());
    }

    TEST_CASE("404: sts-policy-fetch-error with the status") {
        fake_https_server https(serving(http_response(404, "text/plain", "not here")));
        const auto r = check(https);
        expect_failure(r, "sts-policy-fetch-error", "HTTP 404 Not Found", "404");
        CHECK(r.doc["fetch"]["status"] == 404);
    }

    TEST_CASE("served as text/html: sts-policy-invalid naming the media type") {
        fake_https_server https(serving(http_response(200, "text/html", enforce_policy)));
        const auto r = check(https);
        expect_failure(r, "sts-policy-invalid", "Content-Type is 'text/html', not text/plain",
                       "content-type");
    }

    TEST_CASE("oversize by Content-Length and by chunks: sts-policy-fetch-error, the limit named") {
        fake_https_server declared(
            serving(http_response(200, "text/plain", enforce_policy + std::string(70000, '#'))));
        expect_failure(check(declared), "sts-policy-fetch-error",
                       "Content-Length " + std::to_string(enforce_policy.size() + 70000) +
                           " exceeds the limit of 65536 bytes",
                       "oversize-length");

        https_script chunked = serving("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                       "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        chunked.endless_chunks = true;
        fake_https_server endless(chunked);
        expect_failure(check(endless), "sts-policy-fetch-error",
                       "body exceeds the limit of 65536 bytes", "oversize-chunks");
    }

    TEST_CASE("a certificate for another name: sts-webpki-invalid, the names it has shown") {
        fake_https_server https(
            serving(http_response(200, "text/plain", enforce_policy), certs().other_name));
        const auto r = check(https);
        expect_failure(r, "sts-webpki-invalid",
                       "the certificate is not valid for mta-sts.example.test", "wrong-name");
        CHECK(r.doc["fetch"]["certificate"]["hostname_match"] == false);
        CHECK(r.doc["fetch"]["leaf"]["san_dns"] == json{"www.example.test"});
    }

    TEST_CASE("an expired certificate: sts-webpki-invalid, OpenSSL's reason") {
        fake_https_server https(
            serving(http_response(200, "text/plain", enforce_policy), certs().expired));
        const auto r = check(https);
        expect_failure(r, "sts-webpki-invalid", "certificate has expired", "expired");
        CHECK(r.doc["fetch"]["certificate"]["expired"] == true);
    }

    TEST_CASE("an invalid policy (mode 'Enforce'): sts-policy-invalid naming the line") {
        fake_https_server https(serving_policy(
            "version: STSv1\nmode: Enforce\nmx: mx1.example.test\nmax_age: 86400\n"));
        const auto r = check(https);
        expect_failure(r, "sts-policy-invalid", "is invalid: line 2", "invalid-policy");
        CHECK(r.doc["policy"]["valid"] == false);
    }

    TEST_CASE("an enforce policy missing an MX: no result type, but critical, exit 2") {
        fake_https_server https(serving_policy(
            "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: old.example.test\n"
            "max_age: 86400\n"));
        const auto r = check(https);
        CHECK(r.doc["result_type"].is_null());
        CHECK(r.doc["error"].is_null());
        CHECK(r.doc["policy_applies"] == true);
        CHECK(r.doc["mx"]["uncovered"] == 1);
        CHECK(r.doc["mx"]["hosts"][1]["covered"] == false);
        CHECK(r.doc["mx"]["hosts"][1]["pattern"].is_null());
        CHECK(r.doc["mx"]["hosts"][1]["result_type"] == "validation-failure");
        CHECK(r.doc["mx"]["hosts"][0]["result_type"].is_null());
        CHECK(r.doc["mx"]["unused_patterns"] == json{"old.example.test"});
        REQUIRE(r.doc["findings"].size() == 1);
        CHECK(r.doc["findings"][0]["code"] == "mx-not-in-policy");
        CHECK(r.doc["findings"][0]["severity"] == "critical");
        CHECK(mentions(r.doc["findings"][0]["message"], "MX mx2.example.test matches no mx"));
        CHECK(r.doc["verdict"] == "critical");
        CHECK(r.exit_code == 2);
        check_schema(r.doc, "mta-sts.schema.json", "mx-miss");
    }

    TEST_CASE("a testing policy missing an MX is a warning: exit 1") {
        fake_https_server https(serving_policy(
            "version: STSv1\nmode: testing\nmx: mx1.example.test\nmax_age: 86400\n"));
        const auto r = check(https);
        CHECK(r.doc["findings"][0]["code"] == "mx-not-in-policy");
        CHECK(r.doc["findings"][0]["severity"] == "warning");
        CHECK(r.exit_code == 1);
    }

    TEST_CASE("a malformed TXT record: no policy, a defect named, no result type, exit 1") {
        fake_https_server https(serving_policy(enforce_policy));
        sts_zone z;
        z.sts_txt = std::vector<std::string>{"v=STSv1; id=2026-12-03;"};
        const auto r = check(https, z);
        CHECK(r.doc["txt"]["status"] == "invalid");
        CHECK(r.doc["result_type"].is_null());
        CHECK(mentions(r.doc["error"], "_mta-sts.example.test: "));
        CHECK(r.doc["policy_applies"] == false);
        CHECK(r.doc["findings"][0]["code"] == "sts-txt-invalid");
        CHECK(r.exit_code == 1);
        check_schema(r.doc, "mta-sts.schema.json", "bad-txt");
    }

    TEST_CASE("SERVFAIL on the TXT lookup: could not check, exit 3") {
        fake_https_server https(serving_policy(enforce_policy));
        sts_zone z;
        z.txt_rcode = rcode::servfail;
        const auto r = check(https, z);
        CHECK(r.doc["txt_status"] == "servfail");
        CHECK(r.doc["result_type"].is_null());
        CHECK(mentions(r.doc["error"], "the _mta-sts TXT lookup failed (servfail"));
        CHECK(r.doc["verdict"] == "unknown");
        CHECK(r.exit_code == 3);
        check_schema(r.doc, "mta-sts.schema.json", "txt-servfail");

        fake_dns_server dns(serve(z));
        const auto text = run(command(dns, https.port(), false));
        CHECK(text.exit_code == 3);
        CHECK(text.out.find(
                  "example.test  MTA-STS  UNKNOWN\n  TXT       lookup failed (servfail)\n") == 0);
    }

    TEST_CASE("a valid policy but the MX lookup fails: coverage unknown, exit 3") {
        fake_https_server https(serving_policy(enforce_policy));
        sts_zone z;
        z.mx_rcode = rcode::servfail;
        const auto r = check(https, z);
        CHECK(r.doc["policy_applies"] == true);
        CHECK(r.doc["mx"]["status"] == "servfail");
        CHECK(r.doc["mx"]["checked"] == false);
        CHECK(r.doc["findings"][0]["code"] == "mx-lookup-failed");
        CHECK(r.exit_code == 3);
        check_schema(r.doc, "mta-sts.schema.json", "mx-servfail");
    }

    TEST_CASE("human output: the record, the policy, each MX and the verdict") {
        fake_https_server https(serving_policy(
            "version: STSv1\nmode: enforce\nmx: mx1.example.test\nmax_age: 86400\n"));
        fake_dns_server dns(serve({}));
        const auto r = run(command(dns, https.port(), false));
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("example.test  MTA-STS  CRITICAL\n") == 0);
        CHECK(r.out.find("  TXT       v=STSv1; id=20261203;  (not secure)\n") != std::string::npos);
        CHECK(r.out.find("  policy    enforce, max_age 86400 (1 day), mx mx1.example.test\n") !=
              std::string::npos);
        CHECK(r.out.find("  MX        10 mx1.example.test  covered by mx1.example.test\n"
                         "            20 mx2.example.test  NOT covered by any mx pattern\n") !=
              std::string::npos);
        CHECK(r.out.find(
                  "  RFC 8460  validation-failure (mx-not-in-policy) for mx2.example.test\n") !=
              std::string::npos);
        CHECK(r.out.find("  critical  mx-not-in-policy: MX mx2.example.test") != std::string::npos);
    }
}
