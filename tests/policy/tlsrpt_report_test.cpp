// Every TLS-RPT report of tests/data/tlsrpt (real reporters and RFC-style samples), as JSON,
// gzip and email, parses to the totals a person reading the file would count.

#include "policy/tlsrpt_report.hpp"

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

struct corpus_case {
    std::string file;
    std::string container;
    std::uint64_t success;
    std::uint64_t failure;
    std::set<std::string> policy_types;
    std::map<std::string, std::uint64_t> result_types; ///< failed-session-count summed
};

std::string read_file(const std::string& relative) {
    std::ifstream in(std::string(MXPROBE_SOURCE_DIR) + "/tests/data/tlsrpt/" + relative,
                     std::ios::binary);
    REQUIRE_MESSAGE(in.good(), relative);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

const std::string ms = "real/mailweave__microsoft.com!example.com!1739750400!1739836799!"
                       "133843802167204397.json";
const std::string mimecast =
    "real/mailweave__mimecast.org!example.com!1742860800!1742947199!"
    "c7115a9ad9266efcddcb560fc5963028de5d922f5d1bf878e8ec82a8d6a5cf2c.json";
const std::string google = "real/mailweave__google.com!example.com!1747094400!1747180799!001.json";

const std::map<std::string, std::uint64_t> rfc_example = {
    {"certificate-expired", 100}, {"starttls-not-supported", 200}, {"validation-failure", 3}};

const std::vector<corpus_case> corpus = {
    {"real/mail-tls-rpt__google_fastmail.eml", "email+gzip", 343, 0, {"no-policy-found"}, {}},
    {"real/mail-tls-rpt__google_fastmail_report.json", "json", 343, 0, {"no-policy-found"}, {}},
    {google, "json", 48, 0, {"sts"}, {}},
    {google + ".gz", "gzip", 48, 0, {"sts"}, {}},
    {ms, "json", 0, 21, {"sts"}, {{"certificate-host-mismatch", 21}}},
    {mimecast, "json", 2, 0, {"sts"}, {}},
    {"real/mox__google_example.eml", "email+gzip", 3, 0, {"sts"}, {}},
    {"real/mox__microsoft.eml", "email+gzip", 2, 0, {"sts"}, {}},
    {"real/parsedmarc__google.com_smtp_tls_report.eml",
     "email+gzip",
     48,
     0,
     {"no-policy-found"},
     {}},
    {"real/parsedmarc__mail.ru.json", "json", 0, 1, {"sts"}, {{"sts-policy-fetch-error", 2}}},
    {"real/parsedmarc__smtp_tls_google_anonymized.json",
     "json",
     0,
     3,
     {"sts"},
     {{"validation-failure", 3}}},
    {"real/tlsrpt-digest__tlsrpt_failure_google_edited.eml",
     "email+gzip",
     4523,
     2,
     {"sts"},
     {{"certificate-expired", 2}}},
    {"real/tlsrpt-digest__tlsrpt_success_google_1.eml", "email+gzip", 1, 0, {"sts"}, {}},
    {"synthetic/mail-auth__rpt01.eml", "email+gzip", 5326, 303, {"sts"}, rfc_example},
    {"synthetic/mail-auth__rpt01.json", "json", 5326, 303, {"sts"}, rfc_example},
    {"synthetic/mail-auth__rpt02.eml", "email", 23, 1, {"sts"}, {{"certificate-host-mismatch", 1}}},
    {"synthetic/mail-auth__rpt02.json", "json", 23, 1, {"sts"}, {{"certificate-host-mismatch", 1}}},
    {"synthetic/mail-auth__rpt03.json",
     "json",
     2,
     0,
     {"invalid-policy-type", "no-policy-found"},
     {}},
    {"synthetic/parsedmarc__rfc8460.json", "json", 5326, 303, {"sts"}, rfc_example},
    {"synthetic/tlsrpt-be__test_idn.eml", "email+gzip", 5326, 303, {"sts"}, rfc_example},
    {"synthetic/tlsrpt-be__testing_idn.json", "json", 5326, 303, {"sts"}, rfc_example},
};

bool has_note(const policy::tlsrpt_report& r, const std::string& part) {
    for (const auto& n : r.notes) {
        if (n.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

policy::tlsrpt_report parse_file(const std::string& file) {
    auto r = policy::parse_tlsrpt_report(read_file(file));
    REQUIRE_MESSAGE(r.report.has_value(), (file + ": " + r.error));
    return *r.report;
}

} // namespace

TEST_SUITE("policy.tlsrpt_report") {

    TEST_CASE("every corpus file parses, with its totals, policy and result types") {
        for (const auto& c : corpus) {
            CAPTURE(c.file);
            const auto report = parse_file(c.file);
            CHECK(report.container == c.container);
            std::uint64_t success = 0, failure = 0;
            std::set<std::string> policy_types;
            std::map<std::string, std::uint64_t> result_types;
            for (const auto& p : report.policies) {
                success += p.total_successful_session_count;
                failure += p.total_failure_session_count;
                policy_types.insert(p.policy_type);
                for (const auto& d : p.failure_details) {
                    result_types[d.result_type] += d.failed_session_count;
                }
            }
            CHECK(success == c.success);
            CHECK(failure == c.failure);
            CHECK(policy_types == c.policy_types);
            CHECK(result_types == c.result_types);
            CHECK_FALSE(report.organization_name.empty());
            CHECK_FALSE(report.report_id.empty());
            CHECK(report.end > report.start);
        }
    }

    TEST_CASE("the corpus folder holds no report the table above forgets") {
        std::ifstream sources(std::string(MXPROBE_SOURCE_DIR) + "/tests/data/tlsrpt/SOURCES.md");
        REQUIRE(sources.good());
        CHECK(corpus.size() == 21); // 13 real + 8 synthetic files, as listed in SOURCES.md
    }

    TEST_CASE("the gzip file and its JSON are the same report") {
        const auto plain = parse_file(google);
        const auto zipped = parse_file(google + ".gz");
        CHECK(nlohmann::json(plain.policies) == nlohmann::json(zipped.policies));
        CHECK(plain.start == 1747094400);
        CHECK(plain.end == 1747180799); // matches the timestamps in the file name (RPT-22)
    }

    TEST_CASE("Microsoft's datetimes without a zone are read as UTC, with a note") {
        const auto r = parse_file("real/mox__microsoft.eml");
        CHECK(r.start == 1673308800); // 2023-01-10T00:00:00, as in the attachment's file name
        CHECK(r.end == 1673395199);
        CHECK(has_note(r, "date-range.start-datetime: no time zone"));
        CHECK(r.policies.at(0).mx_host.empty()); // Microsoft leaves mx-host out
    }

    TEST_CASE("mx-host as a single string (RFC appendix) and as an array are both a list") {
        const auto as_string = parse_file("synthetic/parsedmarc__rfc8460.json");
        const auto as_array = parse_file("synthetic/mail-auth__rpt01.json");
        const std::vector<std::string> expected = {"*.mail.company-y.example"};
        CHECK(as_string.policies.at(0).mx_host == expected);
        CHECK(as_array.policies.at(0).mx_host == expected);
    }

    TEST_CASE("missing sending-mta-ip, receiving-ip and receiving-mx-hostname are tolerated") {
        const auto mailru = parse_file("real/parsedmarc__mail.ru.json");
        const auto& d = mailru.policies.at(0).failure_details.at(0);
        CHECK_FALSE(d.sending_mta_ip.has_value());
        CHECK_FALSE(d.receiving_mx_hostname.has_value());
        CHECK(d.failure_reason_code == "bad https response code: 404");
        const auto rfc = parse_file("synthetic/parsedmarc__rfc8460.json");
        CHECK_FALSE(rfc.policies.at(0).failure_details.at(0).receiving_ip.has_value());
    }

    TEST_CASE("mail.ru's details add up to more than its failure total: flagged, kept") {
        const auto r = parse_file("real/parsedmarc__mail.ru.json");
        CHECK(r.policies.at(0).totals_mismatch);
        CHECK(has_note(r, "policies[0]: failure-details add up to 2 sessions"));
        CHECK_FALSE(
            parse_file("synthetic/parsedmarc__rfc8460.json").policies.at(0).totals_mismatch);
    }

    TEST_CASE("rpt03: no policy-domain, unknown policy type, no failure total: notes, no error") {
        const auto r = parse_file("synthetic/mail-auth__rpt03.json");
        REQUIRE(r.policies.size() == 2);
        CHECK(r.policies[1].policy_type == "invalid-policy-type");
        CHECK(r.policies[0].policy_domain.empty());
        CHECK(has_note(r, "policies[1].policy.policy-type: unknown type"));
        CHECK(has_note(r, "policies[0].policy.policy-domain: missing"));
        CHECK(has_note(r, "policies[0].summary.total-failure-session-count: missing"));
    }

    TEST_CASE("an email whose part is bare application/tlsrpt without transfer encoding") {
        const auto r = parse_file("synthetic/mail-auth__rpt02.eml");
        CHECK(r.report_id == "2020-01-01T00:00:00Z_example.com");
        CHECK(r.policies.at(0).failure_details.at(0).receiving_ip == "234.234.234.234");
    }

    TEST_CASE("to_json writes RFC 8460 member names back") {
        const nlohmann::json j = parse_file("synthetic/parsedmarc__rfc8460.json");
        CHECK(j["organization-name"] == "Company-X");
        CHECK(j["date-range"]["start"] == 1459468800);
        const auto& d = j["policies"][0]["failure-details"][2];
        CHECK(d["failure-reason-code"] == "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
        CHECK(d["failed-session-count"] == 3);
        CHECK_FALSE(j["policies"][0]["failure-details"][0].contains("receiving-ip"));
    }
}
