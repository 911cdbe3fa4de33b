#include "tools/mxprobe/store_location.hpp"

#include "policy/time_text.hpp"
#include "policy/tlsrpt_report.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace mxprobe {

namespace fs = std::filesystem;

std::string default_store_path(const targets_file& file) {
    if (!file.db.empty()) {
        return file.db;
    }
    return (fs::path(file.path).parent_path() / "mxprobe.db").string();
}

std::optional<std::string> requested_store(const std::string& db_option, const targets_file* file) {
    if (!db_option.empty()) {
        return db_option;
    }
    if (file != nullptr && !file->db.empty()) {
        return file->db;
    }
    return std::nullopt;
}

std::string store_to_read(const std::string& db_option, const std::string& targets) {
    if (!db_option.empty()) {
        return db_option;
    }
    if (!targets.empty() || fs::exists("targets.yaml")) {
        return default_store_path(load_targets(targets.empty() ? "targets.yaml" : targets));
    }
    return "mxprobe.db";
}

std::int64_t parse_since(const std::string& text, std::int64_t now) {
    const bool date_like = text.size() >= 10 && text[4] == '-' && text[7] == '-';
    if (date_like) {
        const auto t = policy::parse_rfc3339(text.size() == 10 ? text + "T00:00:00Z" : text);
        if (!t) {
            throw std::invalid_argument("--since '" + text +
                                        "' is not a date (2026-11-01) or an RFC 3339 time");
        }
        return *t;
    }
    try {
        const auto d = parse_duration(text);
        return now - std::chrono::duration_cast<std::chrono::seconds>(d).count();
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("--since: " + std::string(e.what()) +
                                    " (or a date like 2026-11-01)");
    }
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::int64_t utc_day_start(std::int64_t t) {
    constexpr std::int64_t day = 86400;
    return (t >= 0 ? t / day : (t - day + 1) / day) * day;
}

std::string utc_date(std::int64_t t) {
    return policy::iso8601_utc(t).substr(0, 10);
}

} // namespace mxprobe
