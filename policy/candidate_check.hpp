#pragma once
// One item of the pre-deployment checklist (`mxprobe check-cert`): what was checked, for
// which name, how it came out, and one line of evidence an administrator can act on.
// Statuses are ok, warn and fail; `unknown` marks a check that could not be made (a DNS
// lookup or a connection that did not answer), which is never the same as passing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

enum class check_status { ok, warn, fail, unknown };

std::string_view to_string(check_status s);

/// A TLSA record to publish before deploying, and how long to wait after publishing it.
struct tlsa_to_publish {
    std::string owner;  ///< `_25._tcp.<mx>`
    std::string record; ///< "3 1 1 <sha256 of the new SPKI>"
    std::uint32_t wait_seconds = 0;
};

struct check {
    std::string name;    ///< stable identifier, e.g. "validity", "name", "dane"
    std::string subject; ///< the host or domain it is about; empty for the chain itself
    check_status status = check_status::ok;
    std::string message; ///< one line of evidence
    std::optional<tlsa_to_publish> publish;
};

/// The worst status: fail, then unknown, then warn, then ok (for an empty list). A known
/// failure outranks a check that could not be made: deploying is already unsafe, and
/// "could not check" must not hide that. Without a failure, unknown outranks warn, since
/// what could not be checked may be worse than any warning.
check_status worst(const std::vector<check>& checks);

/// "2026-12-03" from seconds since the epoch (UTC).
std::string date_text(std::int64_t epoch_seconds);

/// "3600 s (1 h)", "86400 s (1 day)": a TTL people can read.
std::string duration_text(std::uint32_t seconds);

void to_json(nlohmann::json& j, const check& c);

} // namespace policy
