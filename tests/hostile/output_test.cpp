// What a hostile peer puts in its banner or records ends up in our JSON: bytes that are not
// UTF-8 must come out replaced, not as an exception that loses the whole report. The real
// binary against the in-process fakes on 127.0.0.1.

#include "probe/tls_session.hpp"
#include "tests/hostile/hostile.hpp"
#include "tests/support/fake_dns_server.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/run_command.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using namespace hostile;
using mxprobe_test::fake_dns_server;
using mxprobe_test::fake_smtp_server;
using mxprobe_test::query;
using mxprobe_test::reply_to;
using mxprobe_test::response;
using nlohmann::json;

constexpr const char* latin1_banner = "mx.test ESMTP \xe9t\xe9 \xff\xfe";

std::string binary() {
    return MXPROBE_BINARY;
}

mxprobe_test::run_result run_host(const fake_smtp_server& server, const fake_dns_server& dns) {
    return mxprobe_test::run(binary() + " --resolver 127.0.0.1:" + std::to_string(dns.port()) +
                             " --timeout 5 --json host mx.test --ip 127.0.0.1 --port " +
                             std::to_string(server.port()) + " --allow-private --no-dane " +
                             "--ca-file " + material().root_file);
}

void check_schema(const std::string& document, const std::string& schema) {
    const std::string file = mxprobe_test::write_temp_file(document, ".json");
    const auto r = mxprobe_test::run(std::string(MXPROBE_SOURCE_DIR) + "/tools/validate-json " +
                                     MXPROBE_SOURCE_DIR + "/docs/schema/" + schema + " " +
                                     mxprobe_test::shell_quote(file));
    CHECK(r.exit_code == 0);
}

} // namespace

TEST_SUITE("hostile.output") {

    TEST_CASE("a greeting that is not UTF-8 → `host --json` still prints the whole report" *
              doctest::timeout(60)) {
        mxprobe_test::smtp_script s;
        s.banner_text = latin1_banner;
        s.tls.cert_chain_pem = material().chain_pem;
        s.tls.key_pem = material().leaf.key_pem();
        fake_smtp_server server(s);
        fake_dns_server dns([](const query& q) -> response { return reply_to(q); });
        const auto r = run_host(server, dns);
        CHECK(r.exit_code == 0);
        const json doc = json::parse(r.out, nullptr, false);
        REQUIRE_FALSE(doc.is_discarded());
        CHECK(doc["schema"] == "mxprobe/host/1");
        CHECK(r.out.find("\xef\xbf\xbd") != std::string::npos); // U+FFFD in place of \xff
        check_schema(r.out, "host.schema.json");
    }

    TEST_CASE("a 20-certificate chain with 2,000 names: `host --json` says what it cut, valid" *
              doctest::timeout(60)) {
        using mxprobe_test::cert_spec;
        std::vector<mxprobe_test::issued> cas;
        cas.push_back(mxprobe_test::make_issued(
            cert_spec{.common_name = "CA 1", .dns_names = {}, .is_ca = true}, material().pki.root));
        for (int i = 2; i <= 19; ++i) {
            cas.push_back(mxprobe_test::make_issued(
                cert_spec{.common_name = "CA " + std::to_string(i), .dns_names = {}, .is_ca = true},
                cas.back()));
        }
        cert_spec spec{.common_name = "mx.test", .dns_names = {"mx.test"}};
        for (int i = 1; i < 2000; ++i) {
            spec.dns_names.push_back("n" + std::to_string(i) + ".t");
        }
        const mxprobe_test::issued leaf = mxprobe_test::make_issued(spec, cas.back());
        mxprobe_test::smtp_script s;
        s.tls.cert_chain_pem = leaf.cert_pem();
        for (auto ca = cas.rbegin(); ca != cas.rend(); ++ca) {
            s.tls.cert_chain_pem += ca->cert_pem();
        }
        s.tls.key_pem = leaf.key_pem();
        fake_smtp_server server(s);
        fake_dns_server dns([](const query& q) -> response { return reply_to(q); });
        const auto r = run_host(server, dns);
        CHECK(r.exit_code == 0);
        const json doc = json::parse(r.out, nullptr, false);
        REQUIRE_FALSE(doc.is_discarded());
        const json& cert = doc["certificate"];
        CHECK(cert["chain_presented"] == 20);
        CHECK(cert["chain"].size() == probe::max_kept_chain);
        CHECK(cert["chain"][0]["san_dns"].size() == probe::max_kept_san_dns);
        CHECK(cert["chain"][0]["san_dns_total"] == 2000);
        CHECK(cert["trusted"] == true);
        check_schema(r.out, "host.schema.json");
    }

    TEST_CASE("a TXT record that is not UTF-8 → `resolve --json` still prints the whole answer" *
              doctest::timeout(60)) {
        fake_dns_server dns([](const query& q) -> response {
            if (q.type == mxprobe_test::qtype::mx) {
                return reply_to(q).mx(q.name, 10, "mx.example.test");
            }
            if (q.type == mxprobe_test::qtype::a && q.name == "mx.example.test") {
                return reply_to(q).a(q.name, "192.0.2.25");
            }
            if (q.type == mxprobe_test::qtype::txt) {
                return reply_to(q).txt(q.name, {"v=STSv1; id=\xff\xfe"});
            }
            return reply_to(q);
        });
        const auto r =
            mxprobe_test::run(binary() + " --resolver 127.0.0.1:" + std::to_string(dns.port()) +
                              " --timeout 5 --json resolve example.test");
        CHECK(r.exit_code == 0);
        const json doc = json::parse(r.out, nullptr, false);
        REQUIRE_FALSE(doc.is_discarded());
        CHECK(doc["schema"] == "mxprobe/resolve/1");
        CHECK(r.out.find("\xef\xbf\xbd") != std::string::npos);
        check_schema(r.out, "resolve.schema.json");
    }
}
