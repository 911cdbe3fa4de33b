// `mxprobe host --json --enumerate` against real Postfix listeners (tools/lab/smtp, started
// once by the smtp_lab ctest fixture), each set up with one known fault. Every fact is checked
// against the lab's scenario table, and the negotiated parameters and accepted versions
// against `openssl s_client -starttls smtp` as an independent reference.

#include "tests/support/run_command.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using mxprobe_test::run;
using mxprobe_test::shell_quote;

const std::filesystem::path lab_dir = std::filesystem::path(MXPROBE_LAB_DIR) / "smtp";

struct scenario {
    std::string name, ip, port, sni, starttls, trusted, hostname_match, expired, chain_complete,
        key, versions;
};

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, separator)) {
        out.push_back(item);
    }
    return out;
}

// The lab writes the truth about each listener into scenarios.tsv (see tools/lab/smtp).
scenario load_scenario(const std::string& name) {
    std::ifstream in(lab_dir / "scenarios.tsv");
    REQUIRE_MESSAGE(in.good(),
                    "no " << (lab_dir / "scenarios.tsv") << ": is the smtp_lab fixture up?");
    std::string line;
    while (std::getline(in, line)) {
        const auto f = split(line, '\t');
        if (f.size() == 11 && f[0] == name) {
            return {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10]};
        }
    }
    FAIL("scenario " << name << " is not in scenarios.tsv");
    return {};
}

struct probe_output {
    int exit_code = -1;
    json doc;
};

// These scenarios are about TLS, not DANE: no TLSA lookup, and the resolver on loopback so
// that nothing could consult /etc/resolv.conf or leave the machine.
const std::string no_system_dns = " --no-dane --resolver 127.0.0.1:9";

probe_output probe_host(const scenario& s) {
    const std::string command = std::string(MXPROBE_BINARY) + " host " + shell_quote(s.sni) +
                                " --ip " + s.ip + " --port " + s.port + " --allow-private" +
                                " --ca-file " + shell_quote((lab_dir / "pki/root.crt").string()) +
                                " --ehlo probe.lab.test --timeout 10 --enumerate --json" +
                                no_system_dns;
    const auto r = run(command);
    REQUIRE_MESSAGE(!r.out.empty(), "no output from: " << command);
    return {r.exit_code, json::parse(r.out)};
}

// One s_client STARTTLS handshake with the same offer as mxprobe's main probe; returns
// {protocol, cipher}, empty on failure. -brief prints both as soon as the handshake is done;
// QUIT then ends the session (with stdin closed at once, a TLS 1.3 session block may never
// be printed).
std::pair<std::string, std::string> s_client(const scenario& s, const std::string& options) {
    const auto r =
        run("echo QUIT | openssl s_client -brief -crlf -starttls smtp -connect " + s.ip + ":" +
            s.port + " -servername " + shell_quote(s.sni) + " " + options + " 2>&1");
    std::string protocol, cipher;
    for (const auto& line : split(r.out, '\n')) {
        if (line.rfind("Protocol version: ", 0) == 0) {
            protocol = line.substr(18);
        } else if (line.rfind("Ciphersuite: ", 0) == 0) {
            cipher = line.substr(13);
        }
    }
    return {protocol, cipher};
}

std::string offer(const std::string& cipher_list) {
    return "-cipher " + shell_quote(cipher_list + ":@SECLEVEL=0");
}

const std::map<std::string, std::string> version_flags{
    {"TLSv1", "-tls1"}, {"TLSv1.1", "-tls1_1"}, {"TLSv1.2", "-tls1_2"}, {"TLSv1.3", "-tls1_3"}};

void check_against_scenario(const scenario& s, const json& doc) {
    CHECK(doc["schema"] == "mxprobe/host/1");
    CHECK(doc["ip"] == s.ip);
    CHECK(doc["starttls"]["offered"] == (s.starttls == "yes"));
    if (s.starttls != "yes") {
        CHECK(doc["tls"].is_null());
        return;
    }
    REQUIRE(doc["tls"].is_object());
    REQUIRE(doc["certificate"].is_object());
    const json& cert = doc["certificate"];
    CHECK(cert["trusted"] == (s.trusted == "yes"));
    CHECK(cert["hostname_match"] == (s.hostname_match == "yes"));
    CHECK(cert["expired"] == (s.expired == "yes"));
    CHECK(cert["chain_complete"] == (s.chain_complete == "yes"));
    const std::string key = cert["chain"][0]["key_type"].get<std::string>() + "-" +
                            std::to_string(cert["chain"][0]["key_bits"].get<int>());
    const std::string expected_key = s.key == "EC-P256" ? "EC-256" : s.key;
    CHECK(key == expected_key);

    const auto accepted = split(s.versions, ',');
    // No structured bindings here: clang 14 cannot capture them in doctest's lambdas.
    for (const auto& entry : version_flags) {
        const std::string& version = entry.first;
        const std::string& flag = entry.second;
        const bool expected =
            std::find(accepted.begin(), accepted.end(), version) != accepted.end();
        CHECK_MESSAGE(doc["versions"][version] == expected, version);
        // The reference client must agree with the enumeration on every version.
        CHECK_MESSAGE(!s_client(s, flag + " " + offer("ALL")).first.empty() == expected,
                      "s_client " << flag);
    }
    // The main probe and s_client, both offering everything, negotiate the same.
    const auto [protocol, cipher] = s_client(s, offer("DEFAULT"));
    CHECK(doc["tls"]["version"] == protocol);
    CHECK(doc["tls"]["cipher"] == cipher);
    for (const auto& item : doc["ciphers"].items()) {
        const std::string& version = item.key();
        const json& suites = item.value();
        REQUIRE_FALSE(suites.empty());
        if (version == "TLSv1.3") {
            continue; // s_client takes TLS 1.3 suites with -ciphersuites; covered by version
        }
        // The first and last suite reported accepted are accepted by s_client too.
        for (const auto& suite : {suites.front(), suites.back()}) {
            const std::string name = suite.get<std::string>();
            CHECK_MESSAGE(s_client(s, version_flags.at(version) + " " + offer(name)).second == name,
                          version << " " << name);
        }
    }
}

std::vector<std::string> result_types(const json& doc) {
    return doc["result_types"].get<std::vector<std::string>>();
}

} // namespace

TEST_SUITE("lab.postfix") {

    TEST_CASE("valid chain: no result types, exit 0, facts match s_client") {
        const auto s = load_scenario("valid");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc).empty());
        CHECK(out.exit_code == 0);
        CHECK(out.doc["tls"]["forward_secrecy"] == true);
        CHECK(out.doc["ehlo_after_tls"].size() > 0);
        // Postfix's default smtpd takes anonymous suites: the enumeration records it.
        CHECK(out.doc["anonymous_suites"] == true);
    }

    TEST_CASE("expired certificate: certificate-expired, exit 2") {
        const auto s = load_scenario("expired");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc) == std::vector<std::string>{"certificate-expired"});
        CHECK(out.doc["certificate"]["days_left"].get<int>() < 0);
        CHECK(out.exit_code == 2);
    }

    TEST_CASE("wrong name: certificate-host-mismatch, exit 2") {
        const auto s = load_scenario("wrongname");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc) == std::vector<std::string>{"certificate-host-mismatch"});
        CHECK(out.exit_code == 2);
    }

    TEST_CASE("missing intermediate: certificate-not-trusted, told apart from an untrusted root") {
        const auto s = load_scenario("nointermediate");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc) == std::vector<std::string>{"certificate-not-trusted"});
        CHECK(out.doc["certificate"]["missing_intermediate"] == true);
        CHECK(out.doc["certificate"]["untrusted_root"] == false);
        CHECK(out.doc["certificate"]["chain"].size() == 1);
        CHECK(out.exit_code == 2);
    }

    TEST_CASE("self-signed: certificate-not-trusted, self_signed, exit 2") {
        const auto s = load_scenario("selfsigned");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc) == std::vector<std::string>{"certificate-not-trusted"});
        CHECK(out.doc["certificate"]["self_signed"] == true);
        CHECK(out.doc["certificate"]["missing_intermediate"] == false);
        CHECK(out.exit_code == 2);
    }

    TEST_CASE("TLS 1.0 and 1.1 only: recorded, not aborted, old-version warning, exit 1") {
        const auto s = load_scenario("tls10");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc).empty());
        CHECK(out.doc["tls"]["version"] == "TLSv1.1");
        CHECK(out.doc["ciphers"].contains("TLSv1"));
        CHECK(out.exit_code == 1);
    }

    TEST_CASE("TLS 1.3 only: only TLSv1.3 accepted, exit 0") {
        const auto s = load_scenario("tls13");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc).empty());
        CHECK(out.doc["ciphers"].size() == 1);
        CHECK(out.exit_code == 0);
    }

    TEST_CASE("no STARTTLS: starttls-not-supported, exit 2") {
        const auto s = load_scenario("nostarttls");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc) == std::vector<std::string>{"starttls-not-supported"});
        CHECK(out.doc["status"] == "starttls_not_offered");
        CHECK(out.doc["banner"].get<std::string>().find("220 mx-nostarttls.lab.test") == 0);
        CHECK(out.exit_code == 2);
    }

    TEST_CASE("RSA-1024 key: handshake recorded, weak-key warning, exit 1") {
        const auto s = load_scenario("weakrsa");
        const auto out = probe_host(s);
        check_against_scenario(s, out.doc);
        CHECK(result_types(out.doc).empty());
        CHECK(out.doc["certificate"]["weak_key"] == true);
        CHECK(out.exit_code == 1);
    }

    TEST_CASE("the JSON of every scenario validates against docs/schema/host.schema.json") {
        for (const char* name : {"valid", "expired", "nostarttls", "tls10"}) {
            const auto s = load_scenario(name);
            const auto file = lab_dir / (std::string(name) + ".host.json");
            std::ofstream(file) << probe_host(s).doc.dump();
            const auto r =
                run(std::string(MXPROBE_SOURCE_DIR) + "/tools/validate-json " + MXPROBE_SOURCE_DIR +
                    "/docs/schema/host.schema.json " + shell_quote(file.string()));
            CHECK_MESSAGE(r.exit_code == 0, name);
        }
    }

    TEST_CASE("a refused special-purpose address without --allow-private: exit 3, clear message") {
        const auto r = run(std::string(MXPROBE_BINARY) +
                           " host mx-valid.lab.test --ip 127.0.0.21 --port 2525 --json" +
                           no_system_dns + " 2>&1");
        CHECK(r.exit_code == 3);
        CHECK(r.out.find("loopback") != std::string::npos);
        CHECK(r.out.find("--allow-private") != std::string::npos);
    }
}
