// `mxprobe host --json --enumerate` against the real Exim listeners (tools/lab/exim: Debian's
// exim4-daemon-light, GnuTLS 3.7), started once by the exim_lab ctest fixture. Each scenario's
// facts and verdict are checked against the lab's table (exim/scenarios.tsv), and against two
// independent clients: `openssl s_client -starttls smtp` where OpenSSL can speak it, and
// `gnutls-cli --starttls-proto=smtp` for the 3DES and RC4 suites OpenSSL 3 cannot offer.

#include "tests/support/run_command.hpp"
#include "tests/support/tsv_table.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using mxprobe_test::run;
using mxprobe_test::shell_quote;
using mxprobe_test::split_fields;
using mxprobe_test::tsv_row;

const std::filesystem::path lab_dir = std::filesystem::path(MXPROBE_LAB_DIR) / "exim";
const std::string ca_file = (std::filesystem::path(MXPROBE_LAB_DIR) / "smtp/pki/root.crt").string();

tsv_row load_scenario(const std::string& name) {
    const auto rows = mxprobe_test::read_tsv((lab_dir / "scenarios.tsv").string());
    const auto row = mxprobe_test::find_row(rows, name);
    REQUIRE_MESSAGE(row.has_value(), name << " is not in " << (lab_dir / "scenarios.tsv"));
    return *row;
}

struct probe_output {
    int exit_code = -1;
    json doc;
};

// One probe per scenario per test run: enumeration makes dozens of connections.
const probe_output& probe_host(const tsv_row& s) {
    static std::map<std::string, probe_output> done;
    const auto known = done.find(s.at("name"));
    if (known != done.end()) {
        return known->second;
    }
    const std::string command = std::string(MXPROBE_BINARY) + " host " + shell_quote(s.at("sni")) +
                                " --ip " + s.at("ip") + " --port " + s.at("port") +
                                " --allow-private --ca-file " + shell_quote(ca_file) +
                                " --ehlo probe.lab.test --timeout 10 --enumerate --json" +
                                // TLS scenarios: no TLSA lookup, no resolver off loopback.
                                " --no-dane --resolver 127.0.0.1:9";
    const auto r = run(command);
    REQUIRE_MESSAGE(!r.out.empty(), "no output from: " << command);
    return done[s.at("name")] = {r.exit_code, json::parse(r.out)};
}

struct reference {
    std::string protocol, cipher, temp_key, ocsp;
    std::string text; ///< everything s_client printed
};

// One s_client STARTTLS handshake; the fields stay empty when it failed.
reference s_client(const tsv_row& s, const std::string& options, bool brief = true) {
    const auto r =
        run(std::string("echo QUIT | timeout 10 openssl s_client ") + (brief ? "-brief " : "") +
            "-crlf -starttls smtp -connect " + s.at("ip") + ":" + s.at("port") + " -servername " +
            shell_quote(s.at("sni")) + " " + options + " 2>&1");
    reference out;
    out.text = r.out;
    for (const auto& line : split_fields(r.out, '\n')) {
        if (line.rfind("Protocol version: ", 0) == 0) {
            out.protocol = line.substr(18);
        } else if (line.rfind("Ciphersuite: ", 0) == 0) {
            out.cipher = line.substr(13);
        } else if (line.rfind("Server Temp Key: ", 0) == 0) {
            out.temp_key = line.substr(17);
        } else if (line.find("OCSP Response Status: ") != std::string::npos ||
                   line.find("OCSP response: no response sent") != std::string::npos) {
            out.ocsp = line;
        }
    }
    return out;
}

// gnutls-cli's one-line description of the session, e.g.
// "(TLS1.2-X.509)-(ECDHE-SECP256R1)-(RSA-SHA256)-(3DES-CBC)-(SHA1)"; empty when it failed.
std::string gnutls_cli(const tsv_row& s, const std::string& priority) {
    const auto r =
        run("echo QUIT | timeout 10 gnutls-cli --starttls-proto=smtp --port " + s.at("port") +
            " --sni-hostname " + shell_quote(s.at("sni")) + " --verify-hostname " +
            shell_quote(s.at("sni")) + " --x509cafile " + shell_quote(ca_file) + " --priority " +
            shell_quote(priority) + " " + s.at("ip") + " 2>&1");
    for (const auto& line : split_fields(r.out, '\n')) {
        if (line.rfind("- Description: ", 0) == 0) {
            return line.substr(15);
        }
    }
    return {};
}

const std::map<std::string, std::string> version_flags{
    {"TLSv1", "-tls1"}, {"TLSv1.1", "-tls1_1"}, {"TLSv1.2", "-tls1_2"}, {"TLSv1.3", "-tls1_3"}};

bool is_legacy_suite(const std::string& name) {
    return name.find("DES-CBC3") != std::string::npos || name.find("RC4") != std::string::npos;
}

// exim-dhe1024 refuses any ClientHello carrying supported_groups, which OpenSSL sends
// whenever it offers an ECDHE suite: the reference client must offer DHE alone there.
std::string reference_offer(const tsv_row& s) {
    return s.at("findings").find("handshake-failed") != std::string::npos ? "kDHE" : "ALL";
}

std::set<std::string> finding_codes(const json& doc) {
    std::set<std::string> out;
    for (const auto& f : doc["findings"]) {
        out.insert(f["code"].get<std::string>());
    }
    return out;
}

void check_against_scenario(const tsv_row& s, const probe_output& out) {
    const json& doc = out.doc;
    CHECK(doc["schema"] == "mxprobe/host/1");
    CHECK(doc["ip"] == s.at("ip"));
    CHECK(doc["starttls"]["offered"] == true);
    CHECK(doc["banner"].get<std::string>().find("220 " + s.at("sni") + " ESMTP Exim") == 0);
    CHECK(doc["verdict"] == s.at("verdict"));
    const int expected_exit = s.at("verdict") == "ok" ? 0 : s.at("verdict") == "warning" ? 1 : 2;
    CHECK(out.exit_code == expected_exit);

    std::set<std::string> expected_findings;
    if (s.at("findings") != "-") {
        for (const auto& f : split_fields(s.at("findings"), ',')) {
            expected_findings.insert(f);
        }
    }
    CHECK(finding_codes(doc) == expected_findings);

    // Certificate facts, when the main probe got as far as a certificate.
    if (doc["tls"].is_object()) {
        const json& cert = doc["certificate"];
        REQUIRE(cert.is_object());
        CHECK(cert["trusted"] == (s.at("trusted") == "yes"));
        CHECK(cert["hostname_match"] == (s.at("hostname_match") == "yes"));
        CHECK(cert["expired"] == (s.at("expired") == "yes"));
        CHECK(cert["chain_complete"] == (s.at("chain_complete") == "yes"));
        const std::string key = cert["chain"][0]["key_type"].get<std::string>() + "-" +
                                std::to_string(cert["chain"][0]["key_bits"].get<int>());
        CHECK(key == (s.at("key") == "EC-P256" ? "EC-256" : s.at("key")));
        CHECK(doc["tls"]["ocsp_stapled"] == (s.at("ocsp_stapled") == "yes"));
        // Both offering OpenSSL's defaults, the main probe and s_client agree.
        const reference ref = s_client(s, "-cipher 'DEFAULT:@SECLEVEL=0'");
        CHECK(doc["tls"]["version"] == ref.protocol);
        CHECK(doc["tls"]["cipher"] == ref.cipher);
    }

    // Versions: the enumeration, the table and s_client all agree.
    const auto accepted = split_fields(s.at("versions"), ',');
    // Named references, not structured bindings: clang 14 cannot capture those in doctest's
    // lambdas.
    for (const auto& entry : version_flags) {
        const std::string& version = entry.first;
        const std::string& flag = entry.second;
        const bool expected =
            std::find(accepted.begin(), accepted.end(), version) != accepted.end();
        CHECK_MESSAGE(doc["versions"][version] == expected, version);
        const std::string offer = "-cipher " + shell_quote(reference_offer(s) + ":@SECLEVEL=0");
        std::string options = flag;
        options += " ";
        options += offer;
        CHECK_MESSAGE(!s_client(s, options).protocol.empty() == expected, "s_client " << flag);
    }
    CHECK(doc["versions"]["SSLv3"] == false);

    // 3DES and RC4: present exactly when the table says so.
    bool des = false, rc4 = false;
    for (const auto& [version, suites] : doc["ciphers"].items()) {
        for (const auto& suite : suites) {
            des = des || suite.get<std::string>().find("DES-CBC3") != std::string::npos;
            rc4 = rc4 || suite.get<std::string>().find("RC4") != std::string::npos;
        }
    }
    CHECK(des == (s.at("legacy_suites") == "3des"));
    CHECK(rc4 == (s.at("legacy_suites") == "rc4"));

    if (s.at("dhe_bits") == "-") {
        CHECK_FALSE(doc.contains("dhe_group_bits"));
    } else {
        CHECK(doc["dhe_group_bits"] == std::stoi(s.at("dhe_bits")));
    }

    // The first and last suite found at each version (before 3DES/RC4, which OpenSSL cannot
    // offer) are accepted by s_client too.
    for (const auto& item : doc["ciphers"].items()) {
        const std::string& version = item.key();
        const json& suites = item.value();
        std::vector<std::string> speakable;
        for (const auto& suite : suites) {
            if (!is_legacy_suite(suite.get<std::string>())) {
                speakable.push_back(suite.get<std::string>());
            }
        }
        REQUIRE_FALSE(speakable.empty());
        for (const auto& name : {speakable.front(), speakable.back()}) {
            const std::string offer = version == "TLSv1.3"
                                          ? "-ciphersuites " + name
                                          : "-cipher " + shell_quote(name + ":@SECLEVEL=0");
            CHECK_MESSAGE(s_client(s, version_flags.at(version) + " " + offer).cipher == name,
                          version << " " << name);
        }
    }
}

void check_scenario(const std::string& name) {
    const tsv_row s = load_scenario(name);
    check_against_scenario(s, probe_host(s));
}

} // namespace

TEST_SUITE("lab.exim") {

    TEST_CASE("exim-valid: TLS 1.2 and 1.3, trusted chain, no findings, exit 0") {
        check_scenario("exim-valid");
        const auto& doc = probe_host(load_scenario("exim-valid")).doc;
        CHECK(doc["result_types"].empty());
        CHECK(doc["ehlo_after_tls"].size() > 0);
    }

    TEST_CASE("exim-default: Exim's own TLS defaults (GnuTLS NORMAL) still take TLS 1.0 and 1.1") {
        check_scenario("exim-default");
        const auto& doc = probe_host(load_scenario("exim-default")).doc;
        CHECK(doc["result_types"].empty());
        CHECK(doc["ciphers"]["TLSv1"].size() > 0);
    }

    TEST_CASE("exim-3des: 3DES suites found by hand-made ClientHellos, as gnutls-cli confirms") {
        check_scenario("exim-3des");
        const auto s = load_scenario("exim-3des");
        const auto& suites = probe_host(s).doc["ciphers"]["TLSv1.2"];
        for (const char* name :
             {"DES-CBC3-SHA", "ECDHE-RSA-DES-CBC3-SHA", "DHE-RSA-DES-CBC3-SHA"}) {
            CHECK_MESSAGE(std::find(suites.begin(), suites.end(), name) != suites.end(), name);
        }
        // The RSA certificate rules out ECDSA: that 3DES suite must not be reported.
        CHECK(std::find(suites.begin(), suites.end(), "ECDHE-ECDSA-DES-CBC3-SHA") == suites.end());
        CHECK(gnutls_cli(s, "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+3DES-CBC").find("(3DES-CBC)") !=
              std::string::npos);
        CHECK(gnutls_cli(s, "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+3DES-CBC:-KX-ALL:+RSA")
                  .find("(RSA)-(3DES-CBC)") != std::string::npos);
        // OpenSSL cannot even ask for it.
        CHECK(s_client(s, "-tls1_2 -cipher 'DES-CBC3-SHA:@SECLEVEL=0'")
                  .text.find("no cipher match") != std::string::npos);
        CHECK(probe_host(s).doc["result_types"].empty());
    }

    TEST_CASE("exim-rc4: RC4 suites found by hand-made ClientHellos, as gnutls-cli confirms") {
        check_scenario("exim-rc4");
        const auto s = load_scenario("exim-rc4");
        const auto& suites = probe_host(s).doc["ciphers"]["TLSv1.2"];
        for (const char* name : {"RC4-SHA", "ECDHE-RSA-RC4-SHA"}) {
            CHECK_MESSAGE(std::find(suites.begin(), suites.end(), name) != suites.end(), name);
        }
        CHECK(gnutls_cli(s, "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+ARCFOUR-128").find("(ARCFOUR-128)") !=
              std::string::npos);
    }

    TEST_CASE("a listener without 3DES or RC4 refuses them to gnutls-cli as well") {
        const auto s = load_scenario("exim-valid");
        CHECK(gnutls_cli(s, "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+3DES-CBC").empty());
        CHECK(gnutls_cli(s, "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+ARCFOUR-128").empty());
        CHECK(gnutls_cli(s, "NORMAL").find("(TLS1.3") == 0);
    }

    TEST_CASE("exim-dhe1024: refuses clients sending supported_groups, serves DHE-1024 to others") {
        check_scenario("exim-dhe1024");
        const auto s = load_scenario("exim-dhe1024");
        const auto& doc = probe_host(s).doc;
        CHECK(doc["status"] == "handshake_error");
        CHECK(doc["error"]["message"].get<std::string>().find("handshake failure") !=
              std::string::npos);
        CHECK(doc["result_types"] == json::array({"validation-failure"}));
        // The same with s_client: offering ECDHE it is refused, offering DHE alone it gets
        // the 1024-bit group (Exim's tls_dhparam "ike2").
        CHECK(s_client(s, "-cipher 'DEFAULT:@SECLEVEL=0'").protocol.empty());
        const reference dhe = s_client(s, "-tls1_2 -cipher 'kDHE:@SECLEVEL=0'");
        CHECK(dhe.protocol == "TLSv1.2");
        CHECK(dhe.temp_key == "DH, 1024 bits");
    }

    TEST_CASE("exim-dhe2048: same tls_dhparam, but GnuTLS serves RFC 7919 ffdhe2048: no finding") {
        check_scenario("exim-dhe2048");
        const auto s = load_scenario("exim-dhe2048");
        const auto& doc = probe_host(s).doc;
        CHECK(doc["tls"]["cipher"].get<std::string>().rfind("DHE-RSA-", 0) == 0);
        CHECK(doc["tls"]["server_temp_key"] == "DH ffdhe2048 2048 bits");
        CHECK(s_client(s, "-tls1_2 -cipher 'kDHE:@SECLEVEL=0'").temp_key == "DH, 2048 bits");
    }

    TEST_CASE("exim-tls10: TLS 1.0 and 1.1 only through GnuTLS, recorded, warnings, exit 1") {
        check_scenario("exim-tls10");
        const auto& doc = probe_host(load_scenario("exim-tls10")).doc;
        CHECK(doc["tls"]["version"] == "TLSv1.1");
        CHECK(doc["result_types"].empty());
    }

    TEST_CASE("exim-ocsp: a stapled OCSP response is recorded, as s_client -status sees it") {
        check_scenario("exim-ocsp");
        const auto s = load_scenario("exim-ocsp");
        // -brief leaves the OCSP status out.
        CHECK(s_client(s, "-status", false).ocsp.find("successful") != std::string::npos);
        CHECK(
            s_client(load_scenario("exim-valid"), "-status", false).ocsp.find("no response sent") !=
            std::string::npos);
    }

    TEST_CASE("GnuTLS accepts TLS 1.3's AES-128-CCM, which OpenSSL servers leave out by default") {
        const auto s = load_scenario("exim-valid");
        const auto& suites = probe_host(s).doc["ciphers"]["TLSv1.3"];
        CHECK(std::find(suites.begin(), suites.end(), "TLS_AES_128_CCM_SHA256") != suites.end());
        CHECK(s_client(s, "-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256").cipher ==
              "TLS_AES_128_CCM_SHA256");
    }

    TEST_CASE("the JSON of every Exim scenario validates against docs/schema/host.schema.json") {
        for (const auto& row : mxprobe_test::read_tsv((lab_dir / "scenarios.tsv").string())) {
            const auto file = lab_dir / (row.at("name") + ".host.json");
            std::ofstream(file) << probe_host(row).doc.dump();
            const auto r =
                run(std::string(MXPROBE_SOURCE_DIR) + "/tools/validate-json " + MXPROBE_SOURCE_DIR +
                    "/docs/schema/host.schema.json " + shell_quote(file.string()));
            CHECK_MESSAGE(r.exit_code == 0, row.at("name"));
        }
    }
}
