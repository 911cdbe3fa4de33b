#include "policy/time_text.hpp"

#include <chrono>
#include <cstdio>

namespace policy {

std::string iso8601_utc(std::int64_t epoch_seconds) {
    using namespace std::chrono;
    const sys_seconds t{seconds{epoch_seconds}};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss time{t - day};
    char text[64];
    (void)std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<long>(time.hours().count()),
                        static_cast<long>(time.minutes().count()),
                        static_cast<long>(time.seconds().count()));
    return text;
}

} // namespace policy
