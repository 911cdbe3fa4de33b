#pragma once
// Whole days, as certificate checks count them: rounded down, so a certificate that expired
// an hour ago has -1 days left, not 0.

#include <cstdint>

namespace policy {

inline constexpr std::int64_t seconds_per_day = 86400;

/// Whole days in `seconds`, rounded toward negative infinity.
constexpr std::int64_t floor_days(std::int64_t seconds) {
    return seconds >= 0 ? seconds / seconds_per_day
                        : -((-seconds + seconds_per_day - 1) / seconds_per_day);
}

} // namespace policy
