#pragma once
// A judgment about something a probe found: a stable code, how bad it is, and one line a
// mail administrator can act on.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

enum class severity { ok, warning, critical, unknown };

std::string_view to_string(severity s);

struct finding {
    std::string code; ///< stable identifier, e.g. "certificate-expiring"
    severity level = severity::ok;
    std::string message;
};

/// The worst level among the findings: critical, then unknown, then warning, then ok (also for
/// none), as policy::worst ranks the checks of a candidate certificate.
severity worst(const std::vector<finding>& findings);

void to_json(nlohmann::json& j, const finding& f);

} // namespace policy
