// libFuzzer target: the TLS-RPT TXT record at `_smtp._tls.<domain>` (policy/tlsrpt_txt). The
// whole input is parsed as one record, and its lines are the RRset the selection looks at.

#include "policy/tlsrpt_txt.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mxprobe_fuzz::require;

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char c = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] + 32) : s[i];
        if (c != prefix[i]) {
            return false;
        }
    }
    return true;
}

void check_result(const policy::tlsrpt_txt_result& r) {
    if (r.valid) {
        require(r.error.empty(), "a valid record carries an error");
        require(!r.record.rua.empty(), "a valid record has a usable rua");
        for (const auto& uri : r.record.rua) {
            require(starts_with_ignoring_case(uri, "mailto:") ||
                        starts_with_ignoring_case(uri, "https:"),
                    "a usable rua that is neither mailto: nor https:");
        }
    } else {
        require(!r.error.empty(), "an invalid record without an error");
    }
    for (const auto& rejected : r.record.rejected) {
        require(!rejected.reason.empty(), "a rejected rua without a reason");
    }
    (void)mxprobe_fuzz::dumped(r);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = mxprobe_fuzz::as_text(data, size);
    const policy::tlsrpt_txt_result one = policy::parse_tlsrpt_txt(text);
    check_result(one);
    require(!one.valid || policy::is_tlsrpt_record(text), "valid but not a TLSRPTv1 record");

    const std::vector<std::string> rrset = mxprobe_fuzz::split_lines(text);
    const policy::tlsrpt_txt_result selected = policy::select_tlsrpt_txt(rrset);
    check_result(selected);
    return 0;
}
