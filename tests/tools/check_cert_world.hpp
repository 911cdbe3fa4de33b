#pragma once
// A loopback world for `mxprobe check-cert` tests: a throwaway CA, a fake DNS server that
// publishes example.test (MX mx1/mx2, addresses on 127.0.0.1, the _mta-sts TXT record and
// optional TLSA records, all with the AD bit of a validating resolver), a fake HTTPS server
// serving the MTA-STS policy as mta-sts.example.test, and a runner for the real binary.

#include "probe/cert_info.hpp"
#include "tests/support/fake_dns_server.hpp"
#include "tests/support/fake_https_server.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace mxprobe_test {

inline const std::string test_domain = "example.test";
inline const std::string mx1 = "mx1.example.test";
inline const std::string mx2 = "mx2.example.test";
inline const std::string policy_host = "mta-sts.example.test";

struct tlsa_rr {
    std::uint8_t usage = 3;
    std::uint8_t selector = 1;
    std::uint8_t matching_type = 1;
    std::string hex;
};

/// What the fake DNS server publishes. Names it does not know are NXDOMAIN; known names
/// without the asked type are NODATA.
struct zone {
    std::map<std::string, std::vector<std::pair<std::uint16_t, std::string>>> mx;
    std::map<std::string, std::string> a;
    std::map<std::string, std::vector<std::string>> txt;
    std::map<std::string, std::vector<tlsa_rr>> tlsa;
    std::uint32_t tlsa_ttl = 3600;
    bool secure = true;  ///< set the AD bit on every answer
    bool silent = false; ///< answer nothing at all
};

response answer_from(const zone& z, const query& q);

/// The default example.test: two MX hosts, MTA-STS published, no TLSA.
zone example_zone();

/// "version: STSv1 / mode: M / mx: ... / max_age: 86400".
std::string sts_policy_text(const std::string& mode, const std::vector<std::string>& mx);

cert_spec mx_cert_spec(std::vector<std::string> names = {mx1, mx2});

/// SHA2-256 of the certificate's DER SubjectPublicKeyInfo, in hex (a `3 1 1` record).
std::string spki_sha256_of(const issued& cert);

struct check_cert_run {
    int exit_code = -1;
    std::string out;
    nlohmann::json doc; ///< parsed when the run printed JSON
};

class check_cert_world {
  public:
    explicit check_cert_world(const std::string& policy_body = sts_policy_text("enforce",
                                                                               {mx1, mx2}));

    test_pki pki = test_pki::create();
    std::string root_file;

    /// Publishes `z` from the next query on.
    void publish(const zone& z);
    /// PEM of `certs` in this order, written to a temp file.
    static std::string chain_file(const std::vector<const issued*>& certs);
    /// A leaf of the world's CA with its intermediate, leaf first.
    std::string good_chain(const issued& leaf) const;

    /// Runs `mxprobe [--json] check-cert --ca-file <root> --allow-private --sts-port <https>
    /// <arguments>` against the world's DNS server.
    check_cert_run run(const std::string& arguments, bool json = true,
                       const std::string& timeout = "3") const;

    [[nodiscard]] std::uint16_t dns_port() const { return dns_.port(); }
    [[nodiscard]] std::uint16_t https_port() const { return https_.port(); }

  private:
    issued policy_cert_;
    fake_https_server https_;
    fake_dns_server dns_;
};

/// The status of check `name` (for `subject`, when given): "ok", "warn", "fail", "unknown"
/// when it is among the unchecked, "absent" when the document has no such check.
std::string status_of(const nlohmann::json& doc, const std::string& name,
                      const std::string& subject = "");
/// The message of that check ("" when absent).
std::string message_of(const nlohmann::json& doc, const std::string& name,
                       const std::string& subject = "");
/// Names of the checks whose status is not ok, as "name" or "name:subject".
std::vector<std::string> not_ok(const nlohmann::json& doc);
/// Validates `doc` against docs/schema/check-cert.schema.json with tools/validate-json.
bool valid_against_schema(const nlohmann::json& doc);

} // namespace mxprobe_test
