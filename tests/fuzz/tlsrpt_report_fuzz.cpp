// libFuzzer target: a received TLS-RPT report (policy::parse_tlsrpt_report), through its one
// entry point for JSON, gzip and MIME email. A JSON input is also gzipped here and parsed
// again: the wrapper must not change the verdict, so mutations of the JSON reach the gzip
// path too, which random bytes would never pass through.

#include "policy/tlsrpt_report.hpp"
#include "policy/tlsrpt_unwrap.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <zlib.h>

namespace {

using mxprobe_fuzz::require;

// Small enough that a bomb found by the fuzzer costs milliseconds, not seconds.
constexpr policy::tlsrpt_limits limits{.max_decompressed = 1024 * 1024, .max_depth = 32};

std::string gzipped(std::string_view bytes) {
    z_stream zs{};
    require(deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) ==
                Z_OK,
            "deflateInit2");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    std::string out;
    std::array<char, 16 * 1024> chunk{};
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        rc = deflate(&zs, Z_FINISH);
        require(rc == Z_OK || rc == Z_STREAM_END, "deflate");
        out.append(chunk.data(), chunk.size() - zs.avail_out);
    }
    deflateEnd(&zs);
    return out;
}

void check_report(const policy::tlsrpt_report& r) {
    require(r.container == "json" || r.container == "gzip" || r.container == "email" ||
                r.container == "email+gzip",
            "unknown container");
    for (const auto& p : r.policies) {
        std::uint64_t sum = 0;
        bool overflow = false;
        for (const auto& d : p.failure_details) {
            overflow = overflow || __builtin_add_overflow(sum, d.failed_session_count, &sum);
        }
        require(!overflow, "an overflowing sum of failed-session-counts was accepted");
        const bool mismatch = !p.failure_details.empty() && sum != p.total_failure_session_count;
        require(p.totals_mismatch == mismatch, "totals_mismatch does not match the sums");
    }
    (void)mxprobe_fuzz::dumped(r);
}

std::string without_container(policy::tlsrpt_report r) {
    r.container.clear();
    return mxprobe_fuzz::dumped(r);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes = mxprobe_fuzz::as_text(data, size);
    const policy::tlsrpt_parse_result direct = policy::parse_tlsrpt_report(bytes, limits);
    require(direct.report.has_value() == direct.error.empty(), "a report xor an error");
    if (direct.report) {
        check_report(*direct.report);
    }
    if (policy::unwrap_tlsrpt(bytes, limits.max_decompressed).container != "json") {
        return 0;
    }
    const policy::tlsrpt_parse_result wrapped = policy::parse_tlsrpt_report(gzipped(bytes), limits);
    require(wrapped.report.has_value() == direct.report.has_value(),
            "gzip changed whether the report parses");
    if (wrapped.report) {
        require(wrapped.report->container == "gzip", "a gzipped report not marked as gzip");
        require(without_container(*wrapped.report) == without_container(*direct.report),
                "gzip changed the report");
    } else {
        require(wrapped.error == "gzip: " + direct.error, "gzip changed the error");
    }
    return 0;
}
