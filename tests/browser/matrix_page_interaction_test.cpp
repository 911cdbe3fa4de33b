// The HTML matrix used by a reader: clicks on sort buttons, expanders and rows, typing in
// the search box, the filters, Reset and Expand all, a hand-edited URL fragment; and printed.
// The page refuses scripts and styles it does not carry, so these tests build copies whose
// script or style sheet is the page's own with more appended, the Content-Security-Policy
// hash recomputed, and read what the clicks saw from the DOM Chromium dumps.

#include "tests/browser/chromium.hpp"
#include "tests/browser/dom_query.hpp"
#include "tests/support/test_certs.hpp"
#include "tools/mxprobe/matrix_html.hpp"

#include <array>
#include <fstream>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

using namespace mxprobe_test;

namespace {

// Each step does what a reader would, then notes the visible rows (in order), the URL
// fragment, and what it checks.
const char* const clicks = R"js(
;(function () {
  const log = [];
  const $ = (selector) => document.querySelector(selector);
  const order = () => [...document.querySelectorAll('tr.row')].filter((t) => !t.hidden).map((t) => t.dataset.domain).join(' ');
  const open = (domain) => !$('tr.details[data-domain="' + domain + '"]').hidden;
  $('button[data-sort=cert_days_left]').click();
  log.push('sort asc|' + order() + '|' + location.hash + '|' + $('th[data-col=cert_days_left]').getAttribute('aria-sort'));
  $('button[data-sort=cert_days_left]').click();
  log.push('sort desc|' + order() + '|' + location.hash + '|' + $('th[data-col=cert_days_left]').getAttribute('aria-sort'));
  $('tr.row[data-domain="bank.example"] button.expander').click();
  log.push('expander|' + open('bank.example') + '|' + location.hash + '|' + $('tr.row[data-domain="bank.example"] button.expander').getAttribute('aria-expanded'));
  $('tr.row[data-domain="insurer.example"] td[data-col=state]').click();
  log.push('row click|' + open('insurer.example') + '|' + location.hash);
  $('tr.row[data-domain="bank.example"] button.expander').click();
  log.push('collapse|' + open('bank.example') + '|' + location.hash);
  const q = $('#filter-q');
  q.value = 'logistics';
  q.dispatchEvent(new Event('input'));
  log.push('search|' + order() + '|' + $('#shown').textContent);
  const role = $('#filter-role');
  role.value = 'own';
  role.dispatchEvent(new Event('change'));
  log.push('role and search|' + order() + '|' + $('#shown').textContent);
  $('#reset').click();
  log.push('reset|' + order() + '|' + location.hash);
  $('#expand-all').click();
  log.push('expand all|' + document.querySelectorAll('tr.details:not([hidden])').length + '|' + location.hash);
  $('#controls').requestSubmit(); // Enter in the search box: must not reload the page
  window.addEventListener('hashchange', () => {
    log.push('edited fragment|' + order() + '|' + $('#filter-state').value);
    const pre = document.createElement('pre');
    pre.id = 'clicklog';
    pre.textContent = log.join('\n');
    document.body.appendChild(pre);
  });
  location.hash = 'role=partner&state=incompatible';
})();
)js";

std::string sha256_base64(const std::string& text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    REQUIRE(EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) ==
            1);
    std::array<unsigned char, 64> out{};
    const int n = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(length));
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "not in the page: " << from.substr(0, 60));
    text.replace(at, from.size(), to);
}

std::string fixture_page() {
    std::ifstream in(std::string(MXPROBE_SOURCE_DIR) + "/tests/data/matrix/lab.json");
    return mxprobe::matrix_to_html(nlohmann::json::parse(in));
}

// `html` with `more` appended to its inline <tag> element, and the CSP hash to match.
std::string with_more(std::string html, const std::string& tag, const std::string& directive,
                      const std::string& more) {
    const std::string open_tag = "<" + tag + ">";
    const auto open = html.rfind(open_tag) + open_tag.size();
    const std::string own = html.substr(open, html.find("</" + tag + ">", open) - open);
    replace_once(html, directive + " 'sha256-" + sha256_base64(own) + "'",
                 directive + " 'sha256-" + sha256_base64(own + more) + "'");
    replace_once(html, own + "</" + tag + ">", own + more + "</" + tag + ">");
    return html;
}

// The fixture's page with `more` run after the page's own script.
std::string page_with_script(const std::string& more) {
    return write_temp_file(with_more(fixture_page(), "script", "script-src", more), ".html");
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

} // namespace

TEST_SUITE("browser.matrix_page_interaction") {

    TEST_CASE("clicks, typing and an edited fragment update the grid and the URL") {
        // The budget lets the hashchange event of the last step run before the DOM is dumped.
        const std::string dom =
            dump_dom(page_with_script(clicks), "", {"--virtual-time-budget=5000"});
        const auto log = lines_of(find_one(dom, "pre", "id", "clicklog").text());
        REQUIRE(log.size() == 10);
        CHECK(log[0] == "sort asc|legacy.example ours.example insurer.example ours-legacy.example "
                        "dane.example tlsa-broken.example bank.example ours-new.example "
                        "plaintext.example unreachable.example nomail.example|"
                        "#sort=cert_days_left|ascending");
        CHECK(log[1] == "sort desc|ours-new.example bank.example tlsa-broken.example dane.example "
                        "ours-legacy.example insurer.example ours.example legacy.example "
                        "plaintext.example unreachable.example nomail.example|"
                        "#sort=cert_days_left&dir=desc|descending");
        CHECK(log[2] == "expander|true|#sort=cert_days_left&dir=desc&expand=bank.example|true");
        CHECK(log[3] ==
              "row click|true|#sort=cert_days_left&dir=desc&expand=bank.example,insurer.example");
        CHECK(log[4] == "collapse|false|#sort=cert_days_left&dir=desc&expand=insurer.example");
        CHECK(log[5] == "search|legacy.example plaintext.example unreachable.example|"
                        "Showing 3 of 11 domains");
        CHECK(log[6] == "role and search||Showing 0 of 11 domains");
        CHECK(log[7] == "reset|ours.example ours-legacy.example ours-new.example bank.example "
                        "insurer.example legacy.example plaintext.example dane.example "
                        "tlsa-broken.example unreachable.example nomail.example|");
        CHECK(log[8] == "expand all|11|#expand=all");
        CHECK(log[9] ==
              "edited fragment|legacy.example plaintext.example tlsa-broken.example|incompatible");
    }

    TEST_CASE("printed, every row comes with its evidence") {
        // The same page with the details rows kept out of print, for comparison.
        const std::string full = write_temp_file(fixture_page(), ".html");
        const std::string without =
            write_temp_file(with_more(fixture_page(), "style", "style-src",
                                      "@media print { tr.details { display: none !important; } }"),
                            ".html");
        const int with_details = print_pages(full);
        const int rows_only = print_pages(without);
        CAPTURE(with_details);
        CAPTURE(rows_only);
        CHECK(rows_only >= 2);
        // The evidence of eleven domains (MX tables, explanations, reporters) fills pages.
        CHECK(with_details >= rows_only + 3);
        // A filter applies to print as well: two rows print far less evidence than eleven.
        CHECK(print_pages(full, "state=incompatible&tag=logistics") < with_details);
    }
}
