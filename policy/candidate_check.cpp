#include "policy/candidate_check.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

int rank(check_status s) {
    switch (s) {
    case check_status::ok:
        return 0;
    case check_status::warn:
        return 1;
    case check_status::unknown:
        return 2;
    case check_status::fail:
        return 3;
    }
    return 3;
}

} // namespace

std::string_view to_string(check_status s) {
    switch (s) {
    case check_status::ok:
        return "ok";
    case check_status::warn:
        return "warn";
    case check_status::fail:
        return "fail";
    case check_status::unknown:
        return "unknown";
    }
    return "unknown";
}

check_status worst(const std::vector<check>& checks) {
    check_status out = check_status::ok;
    for (const auto& c : checks) {
        if (rank(c.status) > rank(out)) {
            out = c.status;
        }
    }
    return out;
}

std::string date_text(std::int64_t epoch_seconds) {
    const std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm parts{};
    if (gmtime_r(&t, &parts) == nullptr) {
        return "?";
    }
    char buf[32];
    return std::strftime(buf, sizeof buf, "%Y-%m-%d", &parts) > 0 ? std::string(buf) : "?";
}

std::string duration_text(std::uint32_t seconds) {
    std::string out = std::to_string(seconds) + " s";
    const auto plural = [](std::uint32_t n, const char* unit) {
        return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
    };
    if (seconds >= 86400 && seconds % 3600 == 0) {
        const std::uint32_t hours = seconds / 3600;
        out += " (" + (hours % 24 == 0 ? plural(hours / 24, "day") : plural(hours, "hour")) + ")";
    } else if (seconds >= 3600 && seconds % 60 == 0) {
        const std::uint32_t minutes = seconds / 60;
        out += " (" +
               (minutes % 60 == 0 ? plural(minutes / 60, "hour") : plural(minutes, "minute")) + ")";
    } else if (seconds >= 60 && seconds % 60 == 0) {
        out += " (" + plural(seconds / 60, "minute") + ")";
    }
    return out;
}

void to_json(nlohmann::json& j, const check& c) {
    j = nlohmann::json{{"name", c.name}, {"status", to_string(c.status)}, {"message", c.message}};
    if (!c.subject.empty()) {
        j["subject"] = c.subject;
    }
    if (c.publish) {
        j["publish"] = {{"owner", c.publish->owner},
                        {"record", c.publish->record},
                        {"wait_seconds", c.publish->wait_seconds}};
    }
}

} // namespace policy
