// Hostile TLS-RPT reports (anyone can mail us one) against policy::parse_tlsrpt_report: gzip
// bombs, plain and inside an email, JSON nested without end, a 100 MB document, an email of
// nested multiparts. Each is refused with an error naming the limit, quickly, without the
// memory a naive reader would spend.

#include "policy/tlsrpt_report.hpp"
#include "tests/hostile/hostile.hpp"

#include <array>
#include <string>
#include <zlib.h>

namespace {

using namespace hostile;

// `size` zero bytes, gzipped: about a thousandth of the size once compressed.
std::string gzip_of_zeros(std::size_t size) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9,
                         Z_DEFAULT_STRATEGY) == Z_OK);
    const std::string zeros(std::size_t{1024} * 1024, '\0');
    std::string out;
    std::array<char, std::size_t{64} * 1024> chunk{};
    for (std::size_t fed = 0; fed < size; fed += zeros.size()) {
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
        zs.avail_in = static_cast<uInt>(zeros.size());
        const int flush = fed + zeros.size() >= size ? Z_FINISH : Z_NO_FLUSH;
        do {
            zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
            zs.avail_out = static_cast<uInt>(chunk.size());
            deflate(&zs, flush);
            out.append(chunk.data(), chunk.size() - zs.avail_out);
        } while (zs.avail_out == 0);
    }
    deflateEnd(&zs);
    return out;
}

// One bomb for the whole binary: 64 MiB of zeros, four times the limit, about 64 KB gzipped.
const std::string& bomb() {
    static const std::string b = gzip_of_zeros(std::size_t{64} * 1024 * 1024);
    return b;
}

std::string base64(const std::string& in) {
    static constexpr char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const auto byte = [&](std::size_t k) {
            return k < in.size() ? static_cast<unsigned char>(in[k]) : 0u;
        };
        const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += digits[(n >> 18) & 63];
        out += digits[(n >> 12) & 63];
        out += i + 1 < in.size() ? digits[(n >> 6) & 63] : '=';
        out += i + 2 < in.size() ? digits[n & 63] : '=';
        if ((i / 3 + 1) % 19 == 0) {
            out += "\r\n";
        }
    }
    return out;
}

std::string report_email(const std::string& part_type, const std::string& base64_body) {
    return "From: reports@sender.test\r\nTo: tlsrpt@receiver.test\r\n"
           "Subject: Report Domain: receiver.test\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"b\"\r\n\r\n"
           "--b\r\nContent-Type: text/plain\r\n\r\nA report.\r\n"
           "--b\r\nContent-Type: " +
           part_type + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_body +
           "\r\n--b--\r\n";
}

// A valid report whose one failure detail carries `extra` as an unknown member.
std::string report_with(const std::string& extra) {
    return R"({"organization-name":"o","date-range":{"start-datetime":"2024-01-01T00:00:00Z",)"
           R"("end-datetime":"2024-01-01T23:59:59Z"},"contact-info":"c","report-id":"r",)"
           R"("policies":[{"policy":{"policy-type":"sts","policy-domain":"d.test"},)"
           R"("summary":{"total-successful-session-count":1,"total-failure-session-count":1},)"
           R"("failure-details":[{"result-type":"validation-failure","failed-session-count":1,)"
           R"("x":)" +
           extra + "}]}]}";
}

} // namespace

TEST_SUITE("hostile.tlsrpt") {

    TEST_CASE("a gzip bomb (64 MiB of zeros) stops at the 16 MiB limit" * doctest::timeout(120)) {
        CHECK(bomb().size() < 128 * 1024);
        const auto r = policy::parse_tlsrpt_report(bomb());
        CHECK_FALSE(r.report.has_value());
        CHECK(r.error == "gzip: decompressed size exceeds the limit of 16777216 bytes");
    }

    TEST_CASE("a gzip bomb inside a report email stops at the same limit" * doctest::timeout(120)) {
        const std::string email = report_email("application/tlsrpt+gzip", base64(bomb()));
        const auto r = policy::parse_tlsrpt_report(email);
        CHECK_FALSE(r.report.has_value());
        CHECK(r.error == "gzip: decompressed size exceeds the limit of 16777216 bytes");
    }

    TEST_CASE("100,000 nested arrays → refused at depth 32, quickly") {
        const std::string doc = std::string(100000, '[') + std::string(100000, ']');
        const auto r = policy::parse_tlsrpt_report(doc);
        CHECK_FALSE(r.report.has_value());
        std::string path; // the 33rd array opens inside 32 others, each at its element 0
        for (int i = 0; i < 32; ++i) {
            path += "[0]";
        }
        CHECK(r.error == path + ": JSON nested deeper than 32 levels");
    }

    TEST_CASE("deep nesting inside a report → the error names the JSON path where it went deep") {
        const std::string deep = "{\"y\":" + std::string(40, '[') + std::string(40, ']') + "}";
        const auto r = policy::parse_tlsrpt_report(report_with(deep));
        CHECK_FALSE(r.report.has_value());
        CHECK(r.error.rfind("policies[0].failure-details[0].x.y[0][0]", 0) == 0);
        CHECK(r.error.find(": JSON nested deeper than 32 levels") != std::string::npos);
    }

    TEST_CASE("a JSON-encoded policy-string nested without end is kept as text, no crash") {
        // RPT-17 unpacks a policy-string holding a JSON array; this one never ends nesting.
        const std::string deep = std::string(100000, '[') + std::string(100000, ']');
        std::string doc = report_with("1");
        const std::string key = R"("policy-domain":"d.test")";
        doc.insert(doc.find(key) + key.size(), R"(,"policy-string":[")" + deep + R"("])");
        const auto r = policy::parse_tlsrpt_report(doc);
        REQUIRE(r.report.has_value());
        REQUIRE(r.report->policies.size() == 1);
        CHECK(r.report->policies[0].policy_string.size() == 1);
    }

    TEST_CASE("a 100 MB JSON document is refused by size before it is parsed" *
              doctest::timeout(120)) {
        std::string doc =
            report_with("\"" + std::string(std::size_t{100} * 1000 * 1000, 'a') + "\"");
        const auto started = std::chrono::steady_clock::now();
        const auto r = policy::parse_tlsrpt_report(doc);
        const auto took = std::chrono::steady_clock::now() - started;
        CHECK_FALSE(r.report.has_value());
        CHECK(r.error == "the report is " + std::to_string(doc.size()) +
                             " bytes, over the limit of 16777216 bytes");
        CHECK(took < 100ms);
    }

    TEST_CASE("an email of 10,000 nested multiparts ends with an error, not a crash" *
              doctest::timeout(120)) {
        std::string email = "From: a@b.test\r\nMIME-Version: 1.0\r\n";
        for (int i = 0; i < 10000; ++i) {
            email += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) +
                     "\"\r\n\r\n--b" + std::to_string(i) + "\r\n";
        }
        email += "Content-Type: text/plain\r\n\r\nno report here\r\n";
        const auto r = policy::parse_tlsrpt_report(email);
        CHECK_FALSE(r.report.has_value());
        CHECK_FALSE(r.error.empty());
        MESSAGE("nested multiparts: " << r.error);
    }
}
