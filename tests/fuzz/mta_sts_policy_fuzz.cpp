// libFuzzer target: the MTA-STS policy body (policy/mta_sts_policy) as an HTTPS server might
// serve it.

#include "policy/mta_sts_policy.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>

namespace {

using mxprobe_fuzz::require;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const policy::sts_policy p = policy::parse_sts_policy(mxprobe_fuzz::as_text(data, size));
    if (p.valid()) {
        require(p.mode.has_value(), "a valid policy has a mode");
        require(p.version == "STSv1", "a valid policy has version STSv1");
        require(p.max_age.has_value() && *p.max_age <= policy::max_sts_max_age,
                "a valid policy has a max_age within a year");
        require(*p.mode == policy::sts_mode::none || !p.mx.empty(),
                "an enforce or testing policy lists an mx");
        require(size <= policy::max_sts_policy_bytes, "a policy over 64 KiB was accepted");
    }
    for (const auto& pattern : p.mx) {
        require(!pattern.empty(), "an empty mx pattern was kept");
    }
    (void)mxprobe_fuzz::dumped(p);
    return 0;
}
