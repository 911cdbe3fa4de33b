// `mxprobe tlsrpt`, end to end: the real binary over the report corpus of tests/data/tlsrpt
// (JSON, gzip and email from real reporters), over copies of it with duplicates, broken files,
// a gzip bomb, an oversize file and symbolic links, each checked against totals counted by
// hand from the files, and its JSON against docs/schema/tlsrpt.schema.json.

#include "tests/support/mxprobe_cli.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_certs.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const fs::path corpus = fs::path(MXPROBE_SOURCE_DIR) / "tests/data/tlsrpt";
const std::string google_json =
    "real/mailweave__google.com!example.com!1747094400!1747180799!001.json";

struct file_totals {
    std::string file;
    std::uint64_t success;
    std::uint64_t failure;
    std::string organization;
};

// Summary totals of each file, read off the JSON by hand (the emails' reports decoded first).
const std::vector<file_totals> corpus_totals = {
    {"real/mail-tls-rpt__google_fastmail.eml", 343, 0, "Google Inc."},
    {"real/mail-tls-rpt__google_fastmail_report.json", 343, 0, "Google Inc."},
    {google_json, 48, 0, "Google Inc."},
    {google_json + ".gz", 48, 0, "Google Inc."},
    {"real/mailweave__microsoft.com!example.com!1739750400!1739836799!133843802167204397.json", 0,
     21, "Microsoft Corporation"},
    {"real/mailweave__mimecast.org!example.com!1742860800!1742947199!"
     "c7115a9ad9266efcddcb560fc5963028de5d922f5d1bf878e8ec82a8d6a5cf2c.json",
     2, 0, "Mimecast"},
    {"real/mox__google_example.eml", 3, 0, "Google Inc."},
    {"real/mox__microsoft.eml", 2, 0, "Microsoft Corporation"},
    {"real/parsedmarc__google.com_smtp_tls_report.eml", 48, 0, "Google Inc."},
    {"real/parsedmarc__mail.ru.json", 0, 1, "Mail.ru"},
    {"real/parsedmarc__smtp_tls_google_anonymized.json", 0, 3, "Example Inc."},
    {"real/tlsrpt-digest__tlsrpt_failure_google_edited.eml", 4523, 2, "Google Inc."},
    {"real/tlsrpt-digest__tlsrpt_success_google_1.eml", 1, 0, "Google Inc."},
    {"synthetic/mail-auth__rpt01.eml", 5326, 303, "Company-X"},
    {"synthetic/mail-auth__rpt01.json", 5326, 303, "Company-X"},
    {"synthetic/mail-auth__rpt02.eml", 23, 1, "Google Inc."},
    {"synthetic/mail-auth__rpt02.json", 23, 1, "Google Inc."},
    {"synthetic/mail-auth__rpt03.json", 2, 0, "Google Inc."},
    {"synthetic/parsedmarc__rfc8460.json", 5326, 303, "Company-X"},
    {"synthetic/tlsrpt-be__test_idn.eml", 5326, 303, "Company-X"},
    {"synthetic/tlsrpt-be__testing_idn.json", 5326, 303, "Company-X"},
};

struct tlsrpt_run {
    int exit_code = -1;
    json doc;
};

tlsrpt_run tlsrpt(const std::vector<std::string>& paths) {
    std::string command = std::string(MXPROBE_BINARY) + " tlsrpt --json";
    for (const auto& p : paths) {
        command += " " + shell_quote(p);
    }
    const auto r = run(command + " 2>/dev/null");
    REQUIRE_MESSAGE(!r.out.empty(), "no output from: " << command);
    return {r.exit_code, json::parse(r.out)};
}

std::string in_corpus(const std::string& relative) {
    return (corpus / relative).string();
}

// Copies a corpus file into `dir` as `name`; returns its path there.
std::string copy_from_corpus(const scratch_dir& dir, const std::string& relative,
                             const std::string& name) {
    fs::copy_file(corpus / relative, dir.file(name));
    return dir.file(name);
}

const json* error_for(const json& doc, const std::string& file) {
    for (const auto& e : doc["errors"]) {
        if (e["file"] == file) {
            return &e;
        }
    }
    return nullptr;
}

} // namespace

TEST_SUITE("tools.tlsrpt") {

    TEST_CASE("every corpus file on its own: one report with its summary totals") {
        std::size_t files = 0;
        for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
            files += entry.is_regular_file() && entry.path().filename() != "SOURCES.md";
        }
        CHECK(files == corpus_totals.size()); // the table forgets no file
        for (const auto& t : corpus_totals) {
            CAPTURE(t.file);
            const auto r = tlsrpt({in_corpus(t.file)});
            CHECK(r.doc["reports"] == 1);
            CHECK(r.doc["errors"].empty());
            CHECK(r.doc["totals"]["success"] == t.success);
            CHECK(r.doc["totals"]["failure"] == t.failure);
            CHECK(r.doc["organizations"].contains(t.organization));
            CHECK(r.exit_code == (t.failure > 0 ? 1 : 0));
        }
    }

    TEST_CASE("the whole folder: 15 distinct reports, 6 copies counted once, SOURCES.md named") {
        const auto r = tlsrpt({corpus.string()});
        CHECK(r.doc["schema"] == "mxprobe/tlsrpt/1");
        CHECK(r.doc["files"] == 22);
        CHECK(r.doc["reports"] == 15);
        CHECK(r.doc["duplicates"] == 6);
        CHECK(r.doc["duplicate_files"].size() == 6);
        // Distinct reports: the 21 files less the second copies (the .json beside its .eml or
        // .json.gz twin, and the RFC example in four wrappers with one report-id).
        CHECK(r.doc["totals"]["success"] == 15647);
        CHECK(r.doc["totals"]["failure"] == 634);
        CHECK(r.doc["totals_mismatches"] == 1); // mail.ru: details 2, summary 1
        CHECK(r.doc["failure_types"]["certificate-expired"] == 202);
        CHECK(r.doc["failure_types"]["starttls-not-supported"] == 400);
        CHECK(r.doc["organizations"]["Company-X"]["success"] == 10652);
        CHECK(r.doc["receiving_mx"]["mx2.mail.company-y.example"]["failure"] == 400);
        CHECK(r.doc["receiving_ip"]["192.0.2.4"]["failure"] == 21);
        CHECK(r.doc["days"]["2025-05-13"]["success"] == 48);
        REQUIRE(r.doc["errors"].size() == 1);
        CHECK(r.doc["errors"][0]["file"] == in_corpus("SOURCES.md"));
        CHECK(r.doc["errors"][0]["error"] == "neither JSON, gzip nor an email");
        bool found = false;
        for (const auto& p : r.doc["policies"]) {
            if (p["policy_domain"] == "example.com" && p["policy_type"] == "sts") {
                found = true;
                CHECK(p["success"] == 4597);
                CHECK(p["failure"] == 28);
                CHECK(p["receiving_mx"]["outgoing-smtp-2.example.com"]["failure_types"]
                       ["certificate-host-mismatch"] == 21);
            }
        }
        CHECK(found);
        CHECK(r.exit_code == 1);
        check_schema(r.doc, "tlsrpt.schema.json", "corpus");
    }

    TEST_CASE("the same file twice, and a .json beside its .json.gz, count once") {
        const auto twice = tlsrpt({in_corpus(google_json), in_corpus(google_json)});
        CHECK(twice.doc["reports"] == 1);
        CHECK(twice.doc["duplicates"] == 1);
        CHECK(twice.doc["duplicate_files"][0]["same_as"] == in_corpus(google_json));
        CHECK(twice.doc["totals"]["success"] == 48);
        CHECK(twice.exit_code == 0);

        const auto gz = tlsrpt({in_corpus(google_json + ".gz"), in_corpus(google_json)});
        CHECK(gz.doc["reports"] == 1);
        CHECK(gz.doc["duplicates"] == 1);
        CHECK(gz.doc["duplicate_files"][0]["file"] == in_corpus(google_json));
        CHECK(gz.doc["duplicate_files"][0]["same_as"] == in_corpus(google_json + ".gz"));
        CHECK(gz.doc["totals"]["success"] == 48);
    }

    TEST_CASE("a malformed report is named with its JSON path, the other files still count") {
        scratch_dir dir;
        copy_from_corpus(dir, "real/parsedmarc__mail.ru.json", "a.json");
        const auto bad = dir.write(
            "b.json",
            R"({"organization-name":"X","date-range":{"start-datetime":)"
            R"("2025-01-01T00:00:00Z","end-datetime":"2025-01-01T23:59:59Z"},)"
            R"("contact-info":"x","report-id":"1","policies":[{"policy":)"
            R"({"policy-type":"sts","policy-domain":"x.example"},"summary":)"
            R"({"total-successful-session-count":-3,"total-failure-session-count":0}}]})");
        const auto truncated = dir.write("c.json", R"({"organization-name": "X", "rep)");
        const auto r = tlsrpt({dir.path()});
        CHECK(r.doc["files"] == 3);
        CHECK(r.doc["reports"] == 1);
        CHECK(r.doc["totals"]["failure"] == 1);
        REQUIRE(r.doc["errors"].size() == 2);
        const json* b = error_for(r.doc, bad);
        REQUIRE(b != nullptr);
        CHECK((*b)["error"].get<std::string>().find(
                  "policies[0].summary.total-successful-session-count") != std::string::npos);
        const json* c = error_for(r.doc, truncated);
        REQUIRE(c != nullptr);
        CHECK((*c)["error"].get<std::string>().rfind("JSON: ", 0) == 0);
        CHECK(r.exit_code == 1);
        check_schema(r.doc, "tlsrpt.schema.json", "malformed");
    }

    TEST_CASE("a gzip bomb is cut off at the decompression limit, an oversize file is not read") {
        scratch_dir dir;
        copy_from_corpus(dir, "real/mox__google_example.eml", "good.eml");
        // 64 MiB of zeros compress to about 64 KiB; the decompressed limit is 16 MiB.
        REQUIRE(run("head -c 67108864 /dev/zero | gzip -c > " + shell_quote(dir.file("bomb.gz")))
                    .exit_code == 0);
        REQUIRE(::truncate(dir.write("huge.json", "").c_str(), off_t{40} * 1024 * 1024) == 0);
        const auto r = tlsrpt({dir.path()});
        CHECK(r.doc["reports"] == 1);
        CHECK(r.doc["totals"]["success"] == 3);
        REQUIRE(r.doc["errors"].size() == 2);
        const json* bomb = error_for(r.doc, dir.file("bomb.gz"));
        REQUIRE(bomb != nullptr);
        CHECK((*bomb)["error"].get<std::string>().find(
                  "gzip: decompressed size exceeds the limit of") != std::string::npos);
        const json* huge = error_for(r.doc, dir.file("huge.json"));
        REQUIRE(huge != nullptr);
        CHECK((*huge)["error"] ==
              "41943040 bytes, over the limit of 16 MiB (16777216 bytes) per file; not read");
        CHECK(r.exit_code == 1);
    }

    TEST_CASE("links: a loop back up is not followed, a link to a file is read, a FIFO skipped") {
        scratch_dir dir;
        fs::create_directory(dir.file("sub"));
        const auto report = copy_from_corpus(dir, google_json, "sub/report.json");
        fs::create_directory_symlink(dir.path(), dir.file("sub/loop"));
        fs::create_symlink(report, dir.file("link.json"));
        fs::create_symlink(dir.file("missing.json"), dir.file("dangling.json"));
        REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
        const auto r = tlsrpt({dir.path()});
        CHECK(r.doc["files"] == 2);
        CHECK(r.doc["reports"] == 1);
        CHECK(r.doc["duplicates"] == 1); // the same report through the link
        REQUIRE(r.doc["skipped"].size() == 2);
        std::map<std::string, std::string> skipped;
        for (const auto& s : r.doc["skipped"]) {
            skipped[s["file"]] = s["reason"];
        }
        CHECK(skipped[dir.file("fifo")] == "a FIFO");
        CHECK(skipped[dir.file("sub/loop")] == "symbolic link to a directory, not followed");
        REQUIRE(r.doc["errors"].size() == 1);
        CHECK(r.doc["errors"][0]["file"] == dir.file("dangling.json"));
        CHECK(r.doc["errors"][0]["error"] == "broken symbolic link");
        check_schema(r.doc, "tlsrpt.schema.json", "links");
    }

    TEST_CASE("exit status: 0 without failures, 3 when nothing could be read") {
        const auto clean = tlsrpt({in_corpus("real/mox__microsoft.eml")});
        CHECK(clean.doc["totals"]["failure"] == 0);
        CHECK(clean.exit_code == 0);

        const auto missing = tlsrpt({"/nonexistent/reports"});
        CHECK(missing.doc["reports"] == 0);
        CHECK(missing.doc["date_range"].is_null());
        CHECK(missing.doc["errors"][0]["error"] == "no such file or directory");
        CHECK(missing.exit_code == 3);
        check_schema(missing.doc, "tlsrpt.schema.json", "nothing");

        const auto not_reports = tlsrpt({in_corpus("SOURCES.md")});
        CHECK(not_reports.exit_code == 3);
    }

    TEST_CASE("human output: counts, sessions and the policy table") {
        const auto r =
            run(std::string(MXPROBE_BINARY) + " tlsrpt " + shell_quote(in_corpus("synthetic")) +
                " " + shell_quote(in_corpus("real/parsedmarc__mail.ru.json")));
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("TLS-RPT   5 report(s) from 9 file(s); 4 duplicate(s), 0 error(s)\n") ==
              0);
        CHECK(r.out.find("sessions  10677 successful, 608 failed (5.39 %)") != std::string::npos);
        CHECK(r.out.find("policy domain") != std::string::npos);
        CHECK(r.out.find("company-y.example   sts") != std::string::npos);
        CHECK(r.out.find("starttls-not-supported 200, certificate-expired 100") !=
              std::string::npos);
    }
}
