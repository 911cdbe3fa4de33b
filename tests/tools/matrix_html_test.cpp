// matrix_to_html without a browser: the template filled once, the data block safe against
// strings that try to end it, the Content-Security-Policy naming exactly the inline script
// and style sheet the page carries, and a clear error for a document that is not a matrix.

#include "tools/mxprobe/matrix_html.hpp"

#include <array>
#include <stdexcept>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

using nlohmann::json;

namespace {

json minimal_matrix() {
    return json{{"schema", "mxprobe/matrix/1"},
                {"generated", "2026-12-04T09:00:00Z"},
                {"rows", json::array()}};
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
    const auto start = text.find(open);
    REQUIRE(start != std::string::npos);
    const auto end = text.find(close, start + open.size());
    REQUIRE(end != std::string::npos);
    return text.substr(start + open.size(), end - start - open.size());
}

std::string sha256_base64(const std::string& text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    REQUIRE(EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) ==
            1);
    std::array<unsigned char, 64> out{};
    const int n = EVP_EncodeBlock(out.data(), digest.data(), static_cast<int>(length));
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::size_t occurrences(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

} // namespace

TEST_SUITE("tools.matrix_html") {

    TEST_CASE("the data block escapes <, > and & so no string can end or bend it") {
        const json doc = {{"schema", "mxprobe/matrix/1"},
                          {"org", "</script><script>alert(1)</script>"},
                          {"note", "<!-- a & b -->"},
                          {"upper", "</SCRIPT >"}};
        const std::string safe = mxprobe::script_safe_json(doc);
        CHECK(safe.find('<') == std::string::npos);
        CHECK(safe.find('>') == std::string::npos);
        CHECK(safe.find('&') == std::string::npos);
        CHECK(safe.find("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)") != std::string::npos);
        CHECK(json::parse(safe) == doc); // the same data once parsed

        const std::string page = mxprobe::matrix_to_html(doc);
        CHECK(occurrences(page, "</script>") == 2); // the data block's and the script's own
        CHECK(occurrences(page, "<!--") == 0);
    }

    TEST_CASE("invalid UTF-8 from a server becomes U+FFFD instead of an exception") {
        json doc = minimal_matrix();
        doc["banner"] = std::string("220 mx \xff\xfe ready");
        const std::string safe = mxprobe::script_safe_json(doc);
        CHECK(json::parse(safe)["banner"] == "220 mx \xef\xbf\xbd\xef\xbf\xbd ready");
    }

    TEST_CASE("every template marker is filled, and the CSP names the inline script and style") {
        const std::string page = mxprobe::matrix_to_html(minimal_matrix());
        CHECK(page.find("@@") == std::string::npos);
        CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
        const std::string csp =
            between(page, "http-equiv=\"Content-Security-Policy\" content=\"", "\"");
        const std::string script = between(page, "<script>", "</script>");
        const std::string style = between(page, "<style>", "</style>");
        CHECK(script.find("function start()") != std::string::npos);
        CHECK(style.find("@media print") != std::string::npos);
        CHECK(csp == "default-src 'none'; script-src 'sha256-" + sha256_base64(script) +
                         "'; style-src 'sha256-" + sha256_base64(style) +
                         "'; base-uri 'none'; form-action 'none'");
        const std::string data =
            between(page, "<script type=\"application/json\" id=\"matrix-data\">", "</script>");
        CHECK(json::parse(data) == minimal_matrix());
    }

    TEST_CASE("a document that is not an mxprobe/matrix/1 object is refused by name") {
        CHECK_THROWS_WITH_AS(mxprobe::matrix_to_html(json::array()),
                             "the HTML page is drawn from an mxprobe/matrix/1 document",
                             std::invalid_argument);
        CHECK_THROWS_AS(mxprobe::matrix_to_html(json{{"schema", "mxprobe/scan/1"}}),
                        std::invalid_argument);
    }
}
