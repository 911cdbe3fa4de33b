// The HTML matrix in a real browser: the lab-like fixture (tests/data/matrix/lab.json, every
// outbound state, encryption class, MTA-STS mode, DANE status and evidence status, a what-if,
// and hostile strings where reports and servers put text) rendered by matrix_to_html, opened
// in headless Chromium, and the DOM it built checked: rows, graded cells, sorting and
// filtering driven from the URL fragment, expanded evidence, and that no hostile string
// became markup.

#include "tests/browser/chromium.hpp"
#include "tests/browser/dom_query.hpp"
#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"
#include "tools/mxprobe/matrix_html.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;
using nlohmann::json;

namespace {

const std::string source_dir = MXPROBE_SOURCE_DIR;
const std::string fixture_file = source_dir + "/tests/data/matrix/lab.json";

const json& fixture() {
    static const json doc = [] {
        std::ifstream in(fixture_file);
        REQUIRE_MESSAGE(in, "cannot read " << fixture_file);
        return json::parse(in);
    }();
    return doc;
}

// The fixture's page, written once per test process.
const std::string& page() {
    static const std::string file = write_temp_file(mxprobe::matrix_to_html(fixture()), ".html");
    return file;
}

std::vector<dom_element> grid_rows(const std::string& dom) {
    std::vector<dom_element> out;
    for (auto& tr : find_all(dom, "tr", "data-domain")) {
        if (tr.has_class("row")) {
            out.push_back(std::move(tr));
        }
    }
    return out;
}

std::vector<std::string> domains_of(const std::vector<dom_element>& rows, bool visible_only) {
    std::vector<std::string> out;
    for (const auto& r : rows) {
        if (!visible_only || !r.has("hidden")) {
            out.push_back(r.attr("data-domain"));
        }
    }
    return out;
}

dom_element cell_of(const std::string& dom, const std::string& domain, const std::string& col) {
    for (const auto& tr : grid_rows(dom)) {
        if (tr.attr("data-domain") == domain) {
            return find_one(tr.inner, "td", "data-col", col);
        }
    }
    FAIL("no grid row for " << domain);
    return {};
}

dom_element details_of(const std::string& dom, const std::string& domain) {
    for (auto& tr : find_all(dom, "tr", "data-domain", domain)) {
        if (tr.has_class("details")) {
            return tr;
        }
    }
    FAIL("no details row for " << domain);
    return {};
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

} // namespace

TEST_SUITE("browser.matrix_page") {

    TEST_CASE("the lab fixture is a valid mxprobe/matrix/1 document that covers every case") {
        const auto r = run(source_dir + "/tools/validate-json " + source_dir +
                           "/docs/schema/matrix.schema.json " + shell_quote(fixture_file));
        CHECK(r.exit_code == 0);
        std::set<std::string> states, classes, modes, dane, evidence;
        for (const auto& row : fixture()["rows"]) {
            states.insert(row["outbound"]["state"].get<std::string>());
            classes.insert(row["encryption"].get<std::string>());
            const auto& sts = row["mta_sts"];
            modes.insert(sts["mode"].is_string()
                             ? sts["mode"].get<std::string>()
                             : (sts["result_type"].is_string() ? "broken" : "absent"));
            dane.insert(row["outbound"]["dane"].get<std::string>());
            if (row["inbound"].is_object()) {
                for (const auto& e : row["inbound"]["explanations"]) {
                    evidence.insert(e["status"].get<std::string>());
                }
            }
        }
        CHECK(states ==
              std::set<std::string>{"compatible", "partial", "incompatible", "unknown", "no-mail"});
        CHECK(classes ==
              std::set<std::string>{"validated", "opportunistic", "failing", "unknown", "no-mail"});
        CHECK(modes == std::set<std::string>{"enforce", "testing", "none", "broken", "absent"});
        CHECK(dane == std::set<std::string>{"all", "partial", "none"});
        CHECK(evidence == std::set<std::string>{"reproduced", "not-reproduced", "no-probe-data"});
        CHECK(fixture()["what_if"].is_object());
    }

    TEST_CASE("one grid row per matrix row, in the document's order, with charts and what-if") {
        const std::string dom = dump_dom(page());
        CHECK(dom.find("<html lang=\"en\" data-ready=\"true\">") != std::string::npos);
        std::vector<std::string> expected;
        for (const auto& row : fixture()["rows"]) {
            expected.push_back(row["domain"].get<std::string>());
        }
        const auto rows = grid_rows(dom);
        CHECK(domains_of(rows, false) == expected);
        CHECK(domains_of(rows, true) == expected); // no filter: all shown
        for (const auto& r : rows) {
            CHECK(find_all(r.inner, "td", "data-col").size() == 15);
        }
        CHECK(find_one(dom, "output", "id", "shown").text() == "Showing 11 of 11 domains");

        // Coverage: partners, one bar per tag, our domains, reported sessions.
        const auto coverage = find_all(dom, "div", "data-group");
        REQUIRE(coverage.size() == 6);
        CHECK(coverage[0].attr("data-group") == "Partners");
        const auto partners = find_all(coverage[0].inner, "span", "data-grade");
        REQUIRE(partners.size() == 4);
        CHECK(partners[0].attr("title") == "validated: 2 of 7 partners");
        CHECK(partners[0].text() == "✔\u00a02\u00a0(29%)");
        CHECK(coverage[2].attr("data-group") == "Tag finance");
        CHECK(coverage[5].attr("data-group") == "Reported sessions");
        const auto sessions = find_all(coverage[5].inner, "span", "data-grade", "bad");
        REQUIRE(sessions.size() == 1);
        CHECK(sessions[0].text() == "✖\u00a01,256\u00a0(8.0%)");
        // Failures by result type, most sessions first.
        const auto failures = find_all(dom, "div", "data-type");
        REQUIRE(failures.size() == 3);
        CHECK(failures[0].attr("data-type") == "certificate-expired");
        CHECK(find_one(failures[0].inner, "div", "class", "chart-figures").text() ==
              "1,204 sessions");
        CHECK(failures[2].attr("data-type") == "validation-failure");

        // What-if: who breaks, and the share of sessions.
        const auto what_if = find_one(dom, "section", "id", "what-if");
        CHECK_FALSE(what_if.has("hidden"));
        CHECK(what_if.text().find("1 of 8 partners would break") != std::string::npos);
        CHECK(what_if.text().find("5,404 of 15,630 (35%)") != std::string::npos);
        CHECK(find_all(what_if.inner, "tr", "data-domain", "insurer.example").size() == 1);
    }

    TEST_CASE("cells are graded good, warn, bad, unknown or n/a, with a symbol and evidence") {
        const std::string dom = dump_dom(page());
        struct expect {
            const char* domain;
            const char* col;
            const char* grade;
            const char* text;
        };
        const expect table[] = {
            {"bank.example", "state", "good", "✔\u00a0compatible"},
            {"ours.example", "state", "warn", "▲\u00a0partial"},
            {"legacy.example", "state", "bad", "✖\u00a0incompatible"},
            {"unreachable.example", "state", "unknown", "?\u00a0unknown"},
            {"nomail.example", "state", "na", "no-mail"},
            {"ours-new.example", "encryption", "good", "validated"},
            {"insurer.example", "encryption", "warn", "opportunistic"},
            {"plaintext.example", "encryption", "bad", "failing"},
            {"unreachable.example", "encryption", "unknown", "unknown"},
            {"bank.example", "versions", "good", "TLSv1.2–1.3"},
            {"insurer.example", "versions", "warn", "TLSv1–1.2"},
            {"legacy.example", "versions", "bad", "TLSv1"},
            {"bank.example", "cipher_weakest", "good", "ECDHE-RSA-AES128-GCM-SHA256"},
            {"insurer.example", "cipher_weakest", "warn", "AES128-SHA"},
            {"legacy.example", "cipher_weakest", "bad", "RC4-SHA"},
            {"bank.example", "cert_days_left", "good", "200"},
            {"insurer.example", "cert_days_left", "warn", "12"},
            {"ours.example", "cert_days_left", "bad", "-4 (expired)"},
            {"plaintext.example", "cert_days_left", "unknown", "—"},
            {"bank.example", "mta_sts", "good", "enforce"},
            {"insurer.example", "mta_sts", "warn", "testing"},
            {"legacy.example", "mta_sts", "bad", "broken"},
            {"dane.example", "mta_sts", "na", "none"},
            {"dane.example", "dane", "good", "all"},
            {"insurer.example", "dane", "warn", "partial"},
            {"tlsa-broken.example", "dane", "bad", "all"},
            {"bank.example", "dane", "na", "none"},
            {"ours.example", "failure_rate", "warn", "8.1%"},
            {"ours-new.example", "failure_rate", "unknown", "no reports"},
            {"bank.example", "failure_rate", "na", "—"},
            {"ours.example", "sessions", "na", "15,320"},
            {"legacy.example", "result_types", "bad",
             "certificate-expired, sts-policy-fetch-error"},
            {"bank.example", "result_types", "good", "none"},
        };
        for (const auto& e : table) {
            CAPTURE(e.domain);
            CAPTURE(e.col);
            const auto td = cell_of(dom, e.domain, e.col);
            CHECK(td.attr("data-grade") == e.grade);
            CHECK(td.has_class(e.grade));
            CHECK(td.text().find(e.text) != std::string::npos);
            // Never colour alone: every graded cell but n/a starts with its symbol.
            if (std::string(e.grade) != "na") {
                CHECK(find_all(td.inner, "span", "class", "sym").size() == 1);
            }
        }
        // The evidence on hover: every blocking reason in the title.
        CHECK(cell_of(dom, "ours.example", "state").attr("title") ==
              "mx2.ours.example 127.0.0.22: certificate not valid: certificate-expired\n"
              "mx2.ours.example 127.0.0.22: fails the partner's MTA-STS enforce policy: "
              "certificate-expired");
        CHECK(cell_of(dom, "legacy.example", "cipher_weakest").attr("title").find("RC4") !=
              std::string::npos);
    }

    TEST_CASE("sorting by certificate days orders the rows, both ways, unknown days last") {
        const std::vector<std::string> ascending = {
            "legacy.example",    "ours.example",        "insurer.example", "ours-legacy.example",
            "dane.example",      "tlsa-broken.example", "bank.example",    "ours-new.example",
            "plaintext.example", "unreachable.example", "nomail.example"};
        const std::string up = dump_dom(page(), "sort=cert_days_left&dir=asc");
        CHECK(domains_of(grid_rows(up), true) == ascending);
        CHECK(find_one(up, "th", "data-col", "cert_days_left").attr("aria-sort") == "ascending");
        CHECK(find_all(up, "th", "aria-sort").size() == 1);

        const std::string down = dump_dom(page(), "sort=cert_days_left&dir=desc");
        std::vector<std::string> descending(ascending.begin(), ascending.begin() + 8);
        std::reverse(descending.begin(), descending.end());
        descending.insert(descending.end(), ascending.begin() + 8, ascending.end());
        CHECK(domains_of(grid_rows(down), true) == descending);
        CHECK(find_one(down, "th", "data-col", "cert_days_left").attr("aria-sort") == "descending");

        // Each details row follows its own row wherever the sort put it.
        const auto legacy_row = find_all(up, "tr", "data-domain", "legacy.example");
        REQUIRE(legacy_row.size() == 2);
        CHECK(legacy_row[0].has_class("row"));
        CHECK(legacy_row[1].has_class("details"));
        CHECK(grid_rows(up)[1].offset > legacy_row[1].offset);

        // Sort buttons are buttons, in column headers.
        CHECK(find_all(up, "button", "data-sort").size() == 15);
        CHECK(find_all(up, "th", "scope", "col").size() >= 16);
    }

    TEST_CASE("filters from the URL hide rows: role, tag with state, encryption, search") {
        const auto visible = [](const std::string& fragment) {
            return domains_of(grid_rows(dump_dom(page(), fragment)), true);
        };
        CHECK(visible("role=own") ==
              std::vector<std::string>{"ours.example", "ours-legacy.example", "ours-new.example"});
        CHECK(visible("role=partner&tag=logistics&state=incompatible") ==
              std::vector<std::string>{"legacy.example", "plaintext.example"});
        CHECK(visible("enc=failing") == std::vector<std::string>{"plaintext.example"});
        // The search reaches into MX notes ("still accepts RC4-SHA") and explanations.
        CHECK(visible("q=rc4") == std::vector<std::string>{"legacy.example"});
        CHECK(visible("q=Insurer%20AG") ==
              std::vector<std::string>{"ours.example", "insurer.example"});
        const std::string dom = dump_dom(page(), "role=own&sort=domain&dir=desc");
        CHECK(domains_of(grid_rows(dom), true) ==
              std::vector<std::string>{"ours.example", "ours-new.example", "ours-legacy.example"});
        CHECK(find_one(dom, "output", "id", "shown").text() == "Showing 3 of 11 domains");
        CHECK(grid_rows(dom).size() == 11); // hidden, not removed
    }

    TEST_CASE("an expanded row shows each MX with its reasons and the explained failures") {
        const std::string dom = dump_dom(page(), "expand=ours.example,ours-legacy.example");
        const auto ours = details_of(dom, "ours.example");
        CHECK_FALSE(ours.has("hidden"));
        CHECK(details_of(dom, "bank.example").has("hidden"));
        const auto mx = find_all(ours.inner, "tr", "class", "mx");
        REQUIRE(mx.size() == 2);
        CHECK(mx[0].attr("data-grade") == "good");
        CHECK(mx[1].attr("data-grade") == "bad");
        CHECK(mx[1].text().find("certificate not valid: certificate-expired") != std::string::npos);

        const auto explanations = find_all(ours.inner, "li", "data-status");
        REQUIRE(explanations.size() == 2);
        CHECK(explanations[0].attr("data-status") == "reproduced");
        CHECK(find_all(explanations[0].inner, "span", "data-grade", "bad").size() == 1);
        CHECK(explanations[0].text().find("✖ reproduced") != std::string::npos);
        CHECK(explanations[0].text().find("probe: mx2.ours.example's certificate expired on "
                                          "2026-11-30") != std::string::npos);
        CHECK(explanations[1].attr("data-status") == "not-reproduced");
        CHECK(explanations[1].text().find("▲ not reproduced") != std::string::npos);
        CHECK(ours.text().find("X509_V_ERR_CERT_HAS_EXPIRED (1,204)") != std::string::npos);

        const auto legacy = details_of(dom, "ours-legacy.example");
        CHECK_FALSE(legacy.has("hidden"));
        const auto none = find_one(legacy.inner, "li", "data-status", "no-probe-data");
        CHECK(none.text().find("? no probe data") != std::string::npos);

        const std::string all = dump_dom(page(), "expand=all");
        for (const auto& tr : find_all(all, "tr", "data-domain")) {
            CHECK_FALSE(tr.has("hidden"));
        }
        // The expander says whether it is open.
        CHECK(find_all(all, "button", "aria-expanded", "true").size() == 11);
    }

    TEST_CASE("hostile strings from reports and servers are text, never markup") {
        const std::string html = [] {
            std::ifstream in(page());
            std::ostringstream s;
            s << in.rdbuf();
            return s.str();
        }();
        // In the file: the data block cannot end early, and only our two scripts exist.
        CHECK(count(html, "</script") == 2);
        CHECK(count(html, "<!--") == 0);
        CHECK(count(html, "<script") == 2);

        const std::string dom = dump_dom(page(), "expand=all");
        CHECK(find_all(dom, "img").empty());
        CHECK(find_all(dom, "script").size() == 2);
        CHECK(dom.find("data-pwned") == std::string::npos);
        CHECK(find_all(dom, "body", "data-pwned").empty());
        // Each string is where it belongs, as the text it was.
        const auto ours = details_of(dom, "ours.example");
        CHECK(ours.text().find("</script><script>alert(1)</script>") != std::string::npos);
        CHECK(ours.text().find("<img src=x onerror=\"document.body.dataset.pwned=1\">") !=
              std::string::npos);
        CHECK(dom.find("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") !=
              std::string::npos);
        CHECK(cell_of(dom, "legacy.example", "mta_sts")
                  .attr("title")
                  .find("500 <img src=x onerror=alert(1)>") != std::string::npos);
        const auto errors = find_one(dom, "ul", "class", "report-errors");
        CHECK(errors.text().find("reports/2026-12-03/</script><script>alert(3)</script>.json") !=
              std::string::npos);
    }

    TEST_CASE(
        "the page fetches nothing: a strict CSP, and Chromium sends nothing over TCP or UDP") {
        const std::string html = [] {
            std::ifstream in(page());
            std::ostringstream s;
            s << in.rdbuf();
            return s.str();
        }();
        CHECK(html.find("content=\"default-src 'none'; script-src 'sha256-") != std::string::npos);
        // The page's own markup, style and script refer to nothing outside the file (the data
        // block is left out: hostile strings there say src= on purpose).
        const auto data = html.find("id=\"matrix-data\">");
        REQUIRE(data != std::string::npos);
        const std::string own = html.substr(0, data) + html.substr(html.find("</script>", data));
        for (const char* reference : {"src=", "href=", "url(http", "url(//", "@import", "fetch(",
                                      "XMLHttpRequest", "WebSocket"}) {
            CAPTURE(reference);
            CHECK(own.find(reference) == std::string::npos);
        }

        const std::string strace = find_program("strace");
        REQUIRE_MESSAGE(!strace.empty(),
                        "strace is needed to watch Chromium's sockets: run tools/setup");
        const std::string trace = write_temp_file("", ".strace");
        // -yy names each socket's protocol; every socket call and every write is recorded.
        const browser_run r =
            run_chromium({"--dump-dom", file_url(page())}, std::chrono::seconds(90),
                         {strace, "-f", "-qq", "-yy", "-e", "trace=%network,write,writev", "-e",
                          "signal=none", "-o", trace});
        REQUIRE(r.exit_code == 0);
        REQUIRE(r.out.find("data-ready=\"true\"") != std::string::npos);
        std::ifstream in(trace);
        std::size_t lines = 0;
        for (std::string line; std::getline(in, line);) {
            ++lines;
            CAPTURE(line);
            // No TCP at all: nothing to fetch, nothing to connect to.
            CHECK(line.find("<TCP") == std::string::npos);
            // UDP sockets may be connect()ed (Chromium's route probe sends nothing), but no
            // datagram may be sent: that would be a DNS query or QUIC.
            if (line.find("<UDP") != std::string::npos) {
                CHECK(line.find("send") == std::string::npos);
                CHECK(line.find("write") == std::string::npos);
            }
        }
        CHECK(lines > 100); // the trace saw Chromium at work
    }

    TEST_CASE("a screenshot of the page is a PNG of the window's size") {
        // MXPROBE_WRITE_SCREENSHOT=docs/matrix.png ctest -R screenshot refreshes the README's.
        const char* target = std::getenv("MXPROBE_WRITE_SCREENSHOT");
        const std::string png = target != nullptr && *target
                                    ? std::filesystem::absolute(target).string()
                                    : write_temp_file("", ".png");
        screenshot(page(), "", png, 1400, 1000);
        std::ifstream in(png, std::ios::binary);
        std::string head(24, '\0');
        in.read(head.data(), 24);
        REQUIRE(in);
        CHECK(head.substr(0, 8) == "\x89PNG\r\n\x1a\n");
        const auto be32 = [&](std::size_t at) {
            return (static_cast<unsigned char>(head[at]) << 24) |
                   (static_cast<unsigned char>(head[at + 1]) << 16) |
                   (static_cast<unsigned char>(head[at + 2]) << 8) |
                   static_cast<unsigned char>(head[at + 3]);
        };
        CHECK(be32(16) == 1400u);
        CHECK(be32(20) == 1000u);
    }
}
