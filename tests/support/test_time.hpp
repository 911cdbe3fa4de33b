#pragma once
// The units of time the tests count in, and the one "now" of tests that judge certificates
// made at test time. Kept here once, since files compiled together in a unity batch could not
// each define their own `day` or `now`.

#include <chrono>
#include <cstdint>

namespace mxprobe_test {

/// One day in seconds, for times kept as Unix seconds (not_after, scan and report times).
inline constexpr std::int64_t day_seconds = 86400;

/// One day as a duration, for std::chrono time points and certificate offsets.
inline constexpr std::chrono::seconds one_day{86400};

/// The clock when the test binary started. test_pki dates its certificates from the real
/// clock, so checks of their validity are made at this time rather than a fixed one.
inline const std::chrono::system_clock::time_point started_at = std::chrono::system_clock::now();

} // namespace mxprobe_test
