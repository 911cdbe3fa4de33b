#include "policy/finding.hpp"

#include <nlohmann/json.hpp>

namespace policy {

std::string_view to_string(severity s) {
    switch (s) {
    case severity::ok:
        return "ok";
    case severity::warning:
        return "warning";
    case severity::critical:
        return "critical";
    case severity::unknown:
        return "unknown";
    }
    return "unknown";
}

severity worst(const std::vector<finding>& findings) {
    // Unknown ranks above warning, so "could not check" never reads as "fine", and below
    // critical, so one host that could not be checked does not hide a known failure on another.
    auto rank = [](severity s) {
        switch (s) {
        case severity::ok:
            return 0;
        case severity::warning:
            return 1;
        case severity::unknown:
            return 2;
        case severity::critical:
            return 3;
        }
        return 3;
    };
    severity out = severity::ok;
    for (const auto& f : findings) {
        if (rank(f.level) > rank(out)) {
            out = f.level;
        }
    }
    return out;
}

void to_json(nlohmann::json& j, const finding& f) {
    j = nlohmann::json{{"code", f.code}, {"severity", to_string(f.level)}, {"message", f.message}};
}

} // namespace policy
