// The lab's TLS-RPT reports (tools/lab/reports): every file it writes is read by the library's
// own parser (policy::parse_tlsrpt_report, content-sniffed: JSON, gzip, email), and the sums
// over them, a duplicate counted once (policy::add_report), are the ones EXPECTED.json states.

#include "policy/tlsrpt_aggregate.hpp"
#include "policy/tlsrpt_report.hpp"
#include "tests/support/run_command.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using mxprobe_test::run;
using mxprobe_test::shell_quote;

// Per test process: ctest may run two of these cases at once.
const std::filesystem::path folder =
    std::filesystem::path(MXPROBE_LAB_DIR) / ("reports-test-" + std::to_string(getpid()));

// Removes the folder when the test process ends, whatever the outcome.
const struct folder_cleanup {
    ~folder_cleanup() {
        std::error_code ignored;
        std::filesystem::remove_all(folder, ignored);
    }
} cleanup;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes the folder afresh (dated back from now) and returns its manifest.
json generate() {
    const auto r =
        run(std::string(MXPROBE_SOURCE_DIR) + "/tools/lab/reports " + shell_quote(folder.string()));
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    return json::parse(read_file(folder / "EXPECTED.json"));
}

struct parsed_folder {
    std::map<std::string, policy::tlsrpt_report> reports; ///< by file name
    policy::tlsrpt_aggregate sums;
};

parsed_folder parse_all(const json& manifest) {
    parsed_folder out;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        const std::string name = entry.path().filename().string();
        if (name == "EXPECTED.json") {
            continue;
        }
        const auto result = policy::parse_tlsrpt_report(read_file(entry.path()));
        REQUIRE_MESSAGE(result.report.has_value(), name << ": " << result.error);
        out.reports[name] = *result.report;
    }
    CHECK(out.reports.size() == manifest["file_count"].get<std::size_t>());
    // In the manifest's order, so that the first of two copies is the one counted.
    for (const auto& f : manifest["files"]) {
        const std::string name = f["file"].get<std::string>();
        REQUIRE_MESSAGE(out.reports.count(name) == 1, name << " listed but not written");
        const bool added = policy::add_report(out.sums, out.reports.at(name));
        CHECK_MESSAGE(added == f["duplicate_of"].is_null(), name);
    }
    return out;
}

} // namespace

TEST_SUITE("lab.reports") {

    TEST_CASE("every generated report parses, in the container its reporter uses") {
        const json manifest = generate();
        const parsed_folder parsed = parse_all(manifest);
        std::map<std::string, int> containers;
        for (const auto& f : manifest["files"]) {
            const auto& report = parsed.reports.at(f["file"].get<std::string>());
            CHECK_MESSAGE(report.container == f["container"].get<std::string>(), f["file"]);
            CHECK(report.organization_name == f["organization"].get<std::string>());
            CHECK(report.report_id == f["report_id"].get<std::string>());
            ++containers[report.container];
        }
        // Google's gzip JSON, mailed gzip, a mailed plain JSON, and plain JSON files.
        CHECK(containers["gzip"] >= 1);
        CHECK(containers["email+gzip"] >= 1);
        CHECK(containers["email"] >= 1);
        CHECK(containers["json"] >= 1);
    }

    TEST_CASE("sums per domain, MX host and result type, the duplicate once, match EXPECTED") {
        const json manifest = generate();
        const parsed_folder parsed = parse_all(manifest);
        const auto& sums = parsed.sums;
        CHECK(sums.reports == manifest["unique_reports"].get<std::uint64_t>());
        CHECK(sums.duplicates == manifest["duplicates"].size());
        CHECK(sums.duplicates == 1);
        CHECK(sums.totals.success == manifest["totals"]["successful"].get<std::uint64_t>());
        CHECK(sums.totals.failure == manifest["totals"]["failed"].get<std::uint64_t>());
        CHECK(sums.totals_mismatches == 0);
        // Named copies, not structured bindings: clang 14 cannot capture those in doctest's
        // lambdas.
        for (const auto& item : manifest["result_types"].items()) {
            const std::string& type = item.key();
            CHECK_MESSAGE(sums.failure_types.at(type) == item.value().get<std::uint64_t>(), type);
        }
        CHECK(sums.failure_types.size() == manifest["result_types"].size());
        for (const auto& entry : manifest["domains"].items()) {
            const std::string& domain = entry.key();
            const json& expected = entry.value();
            CAPTURE(domain);
            const auto it = sums.policies.find({domain, "sts"});
            REQUIRE(it != sums.policies.end());
            CHECK(it->second.sessions.success == expected["successful"].get<std::uint64_t>());
            CHECK(it->second.sessions.failure == expected["failed"].get<std::uint64_t>());
            for (const auto& item : expected["result_types"].items()) {
                CHECK(it->second.failure_types.at(item.key()) == item.value().get<std::uint64_t>());
            }
        }
        for (const auto& entry : manifest["mx_hosts"].items()) {
            const std::string& mx = entry.key();
            const json& expected = entry.value();
            CAPTURE(mx);
            REQUIRE(sums.receiving_mx.count(mx) == 1);
            CHECK(sums.receiving_mx.at(mx).failure == expected["failed"].get<std::uint64_t>());
            const std::string ip = expected["ip"].get<std::string>();
            REQUIRE(sums.receiving_ip.count(ip) == 1);
            for (const auto& item : expected["result_types"].items()) {
                CHECK(sums.receiving_mx.at(mx).failure_types.at(item.key()) ==
                      item.value().get<std::uint64_t>());
            }
        }
        // The lab's faults, each where the probe finds it.
        CHECK(
            sums.receiving_mx.at("mx-expired.lab.test").failure_types.count("certificate-expired"));
        CHECK(sums.receiving_mx.at("mx-wrongname.lab.test")
                  .failure_types.count("certificate-host-mismatch"));
        CHECK(sums.receiving_mx.at("mx-noint.lab.test")
                  .failure_types.count("certificate-not-trusted"));
        CHECK(sums.receiving_mx.at("mx-self.lab.test")
                  .failure_types.count("certificate-not-trusted"));
        CHECK(sums.receiving_mx.at("mx-nostarttls.lab.test")
                  .failure_types.count("starttls-not-supported"));
        CHECK(sums.receiving_mx.at("mx-tls10.lab.test").failure_types.count("validation-failure"));
        CHECK(sums.policies.at({"sts-notfound.lab.test", "sts"})
                  .failure_types.count("sts-policy-fetch-error"));
        CHECK(sums.failure_reason_codes.count("X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY"));
        CHECK(sums.failure_reason_codes.count("X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT"));
    }

    TEST_CASE("reports cover the 7 days before now, and Microsoft's date-times carry no zone") {
        const json manifest = generate();
        const parsed_folder parsed = parse_all(manifest);
        const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
        const std::int64_t today = now - now % 86400;
        for (const auto& entry : parsed.reports) {
            const std::string& name = entry.first;
            const policy::tlsrpt_report& report = entry.second;
            CAPTURE(name);
            CHECK(report.start >= today - std::int64_t{7} * 86400);
            CHECK(report.start < today);
            CHECK(report.end == report.start + 86399);
            const bool zone_note =
                std::any_of(report.notes.begin(), report.notes.end(), [](const std::string& n) {
                    return n.find("zone") != std::string::npos;
                });
            CHECK(zone_note == (report.organization_name == "Microsoft Corporation"));
        }
    }

    TEST_CASE("the failure the probe will not reproduce is at mx-valid, five days ago") {
        const json manifest = generate();
        REQUIRE(manifest["not_reproduced_by_probe"].size() == 1);
        const auto& gone = manifest["not_reproduced_by_probe"][0];
        CHECK(gone["mx"] == "mx-valid.lab.test");
        CHECK(gone["result_type"] == "certificate-expired");
        CHECK(gone["days_ago"] == 5);
        CHECK(manifest["mx_hosts"]["mx-valid.lab.test"]["result_types"]["certificate-expired"] ==
              3);
    }

    TEST_CASE("writing the folder again replaces the same files and nothing else") {
        const json first = generate();
        std::ofstream(folder / "not-ours.txt") << "kept";
        const json second = generate();
        CHECK(first["files"] == second["files"]);
        CHECK(std::filesystem::exists(folder / "not-ours.txt"));
        std::filesystem::remove(folder / "not-ours.txt");
    }
}
