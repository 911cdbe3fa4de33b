// `mxprobe resolve --json` against a real DNS stack on loopback: tools/lab/dns starts nsd
// (lab.test signed, plain.test unsigned) and a validating unbound; every answer is checked
// against the zone contents written by that script, and against dig asking the same resolver.

#include "tests/support/run_command.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using mxprobe_test::run;
using mxprobe_test::run_result;

// Zone truth; tools/lab/dns writes the same values.
constexpr const char* tlsa_311 = "6c4130af8aa7baa04bc751376d8b9feb93e0520fd036ba4e5df27d4d31433fec";
constexpr const char* tlsa_201 = "76f17f3335753ccb69d42a8af03946df9af34f35f8c4c106bb330f904c7d5430";
constexpr const char* mta_sts_text = "v=STSv1; id=20261203T000000;";

std::string long_txt() {
    std::string text = "v=STSv1; id=20261203T000000; pad=";
    const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (std::size_t i = 0; text.size() < 2000; ++i) {
        text += alphabet[i % alphabet.size()];
    }
    return text;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) {
            lines.push_back(line);
        }
    }
    return lines;
}

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string w; in >> w;) {
        words.push_back(w);
    }
    return words;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string without_dot(std::string s) {
    if (!s.empty() && s.back() == '.') {
        s.pop_back();
    }
    return s;
}

/// A loopback port with nothing listening on it (UDP and TCP), by binding port 0 and closing.
int free_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
        const int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (tcp < 0 || ::bind(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("cannot bind a TCP socket on 127.0.0.1");
        }
        const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
        const bool udp_free =
            udp >= 0 && ::bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(tcp);
        if (udp >= 0) {
            ::close(udp);
        }
        if (udp_free) {
            return ntohs(addr.sin_port);
        }
    }
    throw std::runtime_error("no free loopback port");
}

/// Starts tools/lab/dns in a fresh temporary directory; stops it and removes the directory
/// when destroyed.
class lab_dns {
  public:
    lab_dns() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mxprobe-lab-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = tmpl;
        const auto up =
            run(script() + " up " + dir_.string() + " 2>" + (dir_ / "lab-up.err").string());
        for (const auto& line : lines_of(up.out)) {
            if (line.rfind("AUTH_PORT=", 0) == 0) {
                auth_port_ = std::stoi(line.substr(10));
            } else if (line.rfind("RESOLVER_PORT=", 0) == 0) {
                resolver_port_ = std::stoi(line.substr(14));
            }
        }
        if (up.exit_code != 0 || auth_port_ == 0 || resolver_port_ == 0) {
            const std::string err = read_file(dir_ / "lab-up.err");
            stop();
            throw std::runtime_error("tools/lab/dns up failed (exit " +
                                     std::to_string(up.exit_code) + "): " + up.out + err);
        }
    }
    ~lab_dns() { stop(); }
    lab_dns(const lab_dns&) = delete;
    lab_dns& operator=(const lab_dns&) = delete;

    [[nodiscard]] int resolver_port() const { return resolver_port_; }
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

    /// `mxprobe resolve <domain> --resolver 127.0.0.1:<port> --json [extra]`.
    [[nodiscard]] run_result mxprobe_resolve(const std::string& domain,
                                             const std::string& extra = "") const {
        return mxprobe_resolve_at(domain, "127.0.0.1:" + std::to_string(resolver_port_), extra);
    }

    [[nodiscard]] run_result mxprobe_resolve_at(const std::string& domain,
                                                const std::string& server,
                                                const std::string& extra = "") const {
        const auto err = dir_ / "mxprobe.err";
        auto r = run(std::string(MXPROBE_BINARY) + " resolve " + domain + " --resolver " + server +
                     " --json " + extra + " 2>" + err.string());
        last_stderr_ = read_file(err);
        return r;
    }

    [[nodiscard]] const std::string& last_stderr() const { return last_stderr_; }

    /// `dig +short` from the same resolver: the independent reference.
    [[nodiscard]] std::vector<std::string> dig_short(const std::string& type,
                                                     const std::string& name) const {
        const auto r = run("dig +short +time=2 +tries=1 @127.0.0.1 -p " +
                           std::to_string(resolver_port_) + " " + type + " " + name + ".");
        REQUIRE(r.exit_code == 0);
        return lines_of(r.out);
    }

    /// Whether dig sees the AD flag on the answer.
    [[nodiscard]] bool dig_ad(const std::string& type, const std::string& name) const {
        const auto r = run("dig +dnssec +time=2 +tries=1 @127.0.0.1 -p " +
                           std::to_string(resolver_port_) + " " + type + " " + name + ".");
        REQUIRE(r.exit_code == 0);
        for (const auto& line : lines_of(r.out)) {
            if (line.rfind(";; flags:", 0) == 0) {
                const auto flags = line.substr(0, line.find(';', 3));
                return flags.find(" ad") != std::string::npos;
            }
        }
        return false;
    }

  private:
    static std::string script() { return std::string(MXPROBE_SOURCE_DIR) + "/tools/lab/dns"; }

    void stop() {
        if (dir_.empty()) {
            return;
        }
        run(script() + " down " + dir_.string() + " >/dev/null 2>&1");
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        dir_.clear();
    }

    std::filesystem::path dir_;
    int auth_port_ = 0;
    int resolver_port_ = 0;
    mutable std::string last_stderr_;
};

/// Parses mxprobe's stdout; fails the test (showing stdout and stderr) when it is not JSON.
json parse_output(const lab_dns& lab, const run_result& r) {
    INFO("stdout: " << r.out);
    INFO("stderr: " << lab.last_stderr());
    json j = json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    REQUIRE(j.is_object());
    CHECK(j.value("schema", "") == "mxprobe/resolve/1");
    return j;
}

void check_lookup_shape(const json& lookup) {
    REQUIRE(lookup.is_object());
    CHECK(lookup.contains("name"));
    CHECK(lookup.contains("status"));
    CHECK(lookup.contains("secure"));
    CHECK(lookup.contains("ttl"));
    CHECK(lookup.contains("cname_chain"));
}

std::set<std::pair<int, std::string>> mx_set_of(const json& j) {
    std::set<std::pair<int, std::string>> out;
    for (const auto& mx : j.at("mx")) {
        out.emplace(mx.at("preference").get<int>(), mx.at("host").get<std::string>());
    }
    return out;
}

std::set<std::pair<int, std::string>> dig_mx_set(const lab_dns& lab, const std::string& name) {
    std::set<std::pair<int, std::string>> out;
    for (const auto& line : lab.dig_short("MX", name)) {
        const auto w = words_of(line);
        if (w.size() == 2) { // a CNAME target line has one word
            out.emplace(std::stoi(w[0]), without_dot(lower(w[1])));
        }
    }
    return out;
}

using tlsa_tuple = std::tuple<int, int, int, std::string>;

std::set<tlsa_tuple> tlsa_set_of(const json& records) {
    std::set<tlsa_tuple> out;
    for (const auto& r : records) {
        out.emplace(r.at("usage").get<int>(), r.at("selector").get<int>(),
                    r.at("matching_type").get<int>(), r.at("data").get<std::string>());
    }
    return out;
}

std::set<tlsa_tuple> dig_tlsa_set(const lab_dns& lab, const std::string& name) {
    std::set<tlsa_tuple> out;
    for (const auto& line : lab.dig_short("TLSA", name)) {
        const auto w = words_of(line);
        REQUIRE(w.size() >= 4);
        std::string hex;
        for (std::size_t i = 3; i < w.size(); ++i) {
            hex += w[i]; // dig splits long hex in chunks, upper case
        }
        out.emplace(std::stoi(w[0]), std::stoi(w[1]), std::stoi(w[2]), lower(hex));
    }
    return out;
}

std::vector<std::string> strings_of(const json& array) {
    std::vector<std::string> out;
    for (const auto& s : array) {
        out.push_back(s.get<std::string>());
    }
    return out;
}

/// The two MX hosts of mx.<zone>, as published by tools/lab/dns.
void check_two_mx_hosts(const json& j, const std::string& zone, bool secure) {
    REQUIRE(j.at("mx").size() == 2);
    const auto& mx1 = j["mx"][0];
    const auto& mx2 = j["mx"][1];
    CHECK(mx1.at("preference") == 10);
    CHECK(mx1.at("host") == "mx1." + zone);
    CHECK(strings_of(mx1.at("addresses")) == std::vector<std::string>{"127.0.0.11", "::1"});
    check_lookup_shape(mx1.at("a_lookup"));
    check_lookup_shape(mx1.at("aaaa_lookup"));
    CHECK(mx1["a_lookup"].at("status") == "noerror");
    CHECK(mx1["aaaa_lookup"].at("status") == "noerror");
    CHECK(mx1["a_lookup"].at("secure") == secure);
    CHECK(mx1["aaaa_lookup"].at("secure") == secure);

    CHECK(mx2.at("preference") == 20);
    CHECK(mx2.at("host") == "mx2." + zone);
    CHECK(strings_of(mx2.at("addresses")) == std::vector<std::string>{"127.0.0.12"});
    CHECK(mx2["a_lookup"].at("status") == "noerror");
    CHECK(mx2["a_lookup"].at("secure") == secure);
    CHECK(mx2["aaaa_lookup"].at("status") == "nodata");
}

} // namespace

TEST_CASE("lab: MX of a signed domain, two hosts with addresses, AD secure") {
    lab_dns lab;
    const auto r = lab.mxprobe_resolve("mx.lab.test");
    const json j = parse_output(lab, r);
    CHECK(r.exit_code == 0);
    CHECK(j.at("domain") == "mx.lab.test");
    const auto& mx = j.at("mx_lookup");
    check_lookup_shape(mx);
    CHECK(mx.at("name") == "mx.lab.test");
    CHECK(mx.at("status") == "noerror");
    CHECK(mx.at("secure") == true);
    CHECK(mx.at("ttl").get<long>() > 0);
    CHECK(mx.at("ttl").get<long>() <= 3600);
    CHECK(mx.at("cname_chain").empty());
    CHECK(j.at("null_mx") == false);
    CHECK(j.at("null_mx_mixed") == false);
    CHECK(j.at("implicit_mx") == false);
    check_two_mx_hosts(j, "lab.test", true);
}

TEST_CASE("lab: MX of an unsigned domain is not secure") {
    lab_dns lab;
    const auto r = lab.mxprobe_resolve("mx.plain.test");
    const json j = parse_output(lab, r);
    CHECK(r.exit_code == 0);
    CHECK(j.at("mx_lookup").at("status") == "noerror");
    CHECK(j.at("mx_lookup").at("secure") == false);
    check_two_mx_hosts(j, "plain.test", false);
    CHECK(j.at("mta_sts_lookup").at("secure") == false);
    // No TLSA in plain.test: the lookups fail as "does not exist", insecurely.
    const auto& tlsa = j.at("tlsa");
    REQUIRE(tlsa.contains("mx1.plain.test"));
    CHECK(tlsa["mx1.plain.test"].at("status") == "nxdomain");
    CHECK(tlsa["mx1.plain.test"].at("secure") == false);
    CHECK(tlsa["mx1.plain.test"].at("records").empty());
}

TEST_CASE("lab: null MX") {
    lab_dns lab;
    for (const std::string domain : {"nullmx.lab.test", "nullmx.plain.test"}) {
        CAPTURE(domain);
        const auto r = lab.mxprobe_resolve(domain);
        const json j = parse_output(lab, r);
        CHECK(r.exit_code == 0);
        CHECK(j.at("mx_lookup").at("status") == "noerror");
        CHECK(j.at("mx_lookup").at("secure") == (domain == "nullmx.lab.test"));
        CHECK(j.at("null_mx") == true);
        CHECK(j.at("null_mx_mixed") == false);
        CHECK(j.at("implicit_mx") == false);
        CHECK(j.at("mx").empty());
    }
}

TEST_CASE("lab: implicit MX from the domain's own address") {
    lab_dns lab;
    const auto r = lab.mxprobe_resolve("implicit.lab.test");
    const json j = parse_output(lab, r);
    CHECK(r.exit_code == 0);
    CHECK(j.at("mx_lookup").at("status") == "nodata");
    CHECK(j.at("mx_lookup").at("secure") == true);
    CHECK(j.at("implicit_mx") == true);
    CHECK(j.at("null_mx") == false);
    REQUIRE(j.at("mx").size() == 1);
    CHECK(j["mx"][0].at("host") == "implicit.lab.test");
    CHECK(strings_of(j["mx"][0].at("addresses")) == std::vector<std::string>{"127.0.0.13"});
}

TEST_CASE("lab: MTA-STS and TLS-RPT TXT records") {
    lab_dns lab;
    for (const std::string zone : {"lab.test", "plain.test"}) {
        CAPTURE(zone);
        const auto r = lab.mxprobe_resolve("mx." + zone);
        const json j = parse_output(lab, r);
        CHECK(r.exit_code == 0);
        CHECK(strings_of(j.at("mta_sts_txt")) == std::vector<std::string>{mta_sts_text});
        CHECK(j.at("mta_sts_lookup").at("name") == "_mta-sts.mx." + zone);
        CHECK(j.at("mta_sts_lookup").at("status") == "noerror");
        CHECK(j.at("mta_sts_lookup").at("secure") == (zone == "lab.test"));
        CHECK(strings_of(j.at("tlsrpt_txt")) ==
              std::vector<std::string>{"v=TLSRPTv1; rua=mailto:tlsrpt@" + zone});
        CHECK(j.at("tlsrpt_lookup").at("name") == "_smtp._tls.mx." + zone);
        CHECK(j.at("tlsrpt_lookup").at("status") == "noerror");
        CHECK(j.at("tlsrpt_lookup").at("secure") == (zone == "lab.test"));
        // dig's view of the same TXT (one character-string, quoted).
        CHECK(lab.dig_short("TXT", "_mta-sts.mx." + zone) ==
              std::vector<std::string>{std::string("\"") + mta_sts_text + "\""});
    }
}

TEST_CASE("lab: a 2,000-byte TXT in eight character-strings (TCP fallback)") {
    lab_dns lab;
    const auto r = lab.mxprobe_resolve("longtxt.lab.test");
    const json j = parse_output(lab, r);
    // longtxt.lab.test has neither MX nor address: no usable MX.
    CHECK(r.exit_code == 2);
    CHECK(j.at("mta_sts_lookup").at("status") == "noerror");
    CHECK(j.at("mta_sts_lookup").at("secure") == true);
    REQUIRE(j.at("mta_sts_txt").size() == 1);
    const auto text = j["mta_sts_txt"][0].get<std::string>();
    CHECK(text.size() == 2000);
    CHECK(text == long_txt());
}

TEST_CASE("lab: TLSA records of the MX hosts, validated") {
    lab_dns lab;
    const auto r = lab.mxprobe_resolve("mx.lab.test");
    const json j = parse_output(lab, r);
    CHECK(r.exit_code == 0);
    const auto& tlsa = j.at("tlsa");
    REQUIRE(tlsa.contains("mx1.lab.test"));
    const auto& t1 = tlsa["mx1.lab.test"];
    CHECK(t1.at("name") == "_25._tcp.mx1.lab.test");
    CHECK(t1.at("status") == "noerror");
    CHECK(t1.at("secure") == true);
    CHECK(t1.at("ttl").get<long>() > 0);
    const std::set<tlsa_tuple> expected{{3, 1, 1, tlsa_311}, {2, 0, 1, tlsa_201}};
    CHECK(tlsa_set_of(t1.at("records")) == expected);
    CHECK(t1.at("records").size() == 2);

    REQUIRE(tlsa.contains("mx2.lab.test"));
    const auto& t2 = tlsa["mx2.lab.test"];
    CHECK(t2.at("name") == "_25._tcp.mx2.lab.test");
    const auto status = t2.at("status").get<std::string>();
    CHECK((status == "nxdomain" || status == "nodata"));
    CHECK(t2.at("secure") == true); // the denial of existence is signed
    CHECK(t2.at("records").empty());
}

TEST_CASE("lab: CNAME to the MX domain is followed") {
    lab_dns lab;
    const auto r = lab.mxprobe_resolve("alias.lab.test");
    const json j = parse_output(lab, r);
    CHECK(r.exit_code == 0);
    CHECK(j.at("domain") == "alias.lab.test");
    const auto& mx = j.at("mx_lookup");
    CHECK(mx.at("name") == "alias.lab.test");
    CHECK(mx.at("status") == "noerror");
    CHECK(mx.at("secure") == true);
    CHECK(strings_of(mx.at("cname_chain")) == std::vector<std::string>{"mx.lab.test"});
    check_two_mx_hosts(j, "lab.test", true);
}

TEST_CASE("lab: NXDOMAIN exits 2") {
    lab_dns lab;
    for (const std::string domain : {"nx.lab.test", "nx.plain.test"}) {
        CAPTURE(domain);
        const auto r = lab.mxprobe_resolve(domain);
        CHECK(r.exit_code == 2);
        const json j = parse_output(lab, r);
        CHECK(j.at("mx_lookup").at("status") == "nxdomain");
        CHECK(j.at("mx_lookup").at("secure") == (domain == "nx.lab.test"));
        CHECK(j.at("mx").empty());
        CHECK(j.at("null_mx") == false);
        CHECK(j.at("implicit_mx") == false);
    }
}

TEST_CASE("lab: a resolver port with nothing listening exits 3 within the timeout") {
    lab_dns lab; // not used for answers; the port is one where nothing listens
    const int port = free_port();
    const int timeout_seconds = 3;
    const auto r = lab.mxprobe_resolve_at("mx.lab.test", "127.0.0.1:" + std::to_string(port),
                                          "--timeout " + std::to_string(timeout_seconds));
    INFO("stdout: " << r.out);
    INFO("stderr: " << lab.last_stderr());
    CHECK(r.exit_code == 3);
    CHECK(r.seconds < timeout_seconds + 2.0);
}

TEST_CASE("lab: a resolver that never answers exits 3 within the timeout") {
    lab_dns lab; // only for its scratch directory and the mxprobe runner
    // A bound UDP socket that nobody reads: queries are accepted and never answered.
    const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(silent >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const double timeout_seconds = 1.5;
    const auto r = lab.mxprobe_resolve_at(
        "mx.lab.test", "127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "--timeout 1.5");
    ::close(silent);
    INFO("stdout: " << r.out);
    INFO("stderr: " << lab.last_stderr());
    CHECK(r.exit_code == 3);
    CHECK(r.seconds >= timeout_seconds * 0.5);
    CHECK(r.seconds < timeout_seconds + 1.5);
    const json j = parse_output(lab, r);
    CHECK(j.at("mx_lookup").at("status") == "timeout");
}

TEST_CASE("lab: MX, addresses, TLSA and AD agree with dig from the same resolver") {
    lab_dns lab;
    for (const std::string domain : {"mx.lab.test", "mx.plain.test", "alias.lab.test"}) {
        CAPTURE(domain);
        const auto r = lab.mxprobe_resolve(domain);
        const json j = parse_output(lab, r);
        CHECK(r.exit_code == 0);
        CHECK(mx_set_of(j) == dig_mx_set(lab, domain));
        CHECK(j.at("mx_lookup").at("secure") == lab.dig_ad("MX", domain));
        for (const auto& host : j.at("mx")) {
            const auto name = host.at("host").get<std::string>();
            CAPTURE(name);
            std::vector<std::string> dig_addresses = lab.dig_short("A", name);
            const auto v6 = lab.dig_short("AAAA", name);
            dig_addresses.insert(dig_addresses.end(), v6.begin(), v6.end());
            CHECK(strings_of(host.at("addresses")) == dig_addresses);
            CHECK(host.at("a_lookup").at("secure") == lab.dig_ad("A", name));

            REQUIRE(j.at("tlsa").contains(name));
            const auto& tlsa = j["tlsa"][name];
            CHECK(tlsa_set_of(tlsa.at("records")) == dig_tlsa_set(lab, "_25._tcp." + name));
            if (tlsa.at("status") == "noerror") {
                CHECK(tlsa.at("secure") == lab.dig_ad("TLSA", "_25._tcp." + name));
            }
        }
    }
}
