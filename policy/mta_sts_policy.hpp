#pragma once
// The MTA-STS policy body served at https://mta-sts.<domain>/.well-known/mta-sts.txt
// (RFC 8461 §3.2, STANDARDS STS-17..STS-23). Pure: the bytes come from probe's HTTPS fetch.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

enum class sts_mode { enforce, testing, none };

std::string_view to_string(sts_mode m);

/// RFC 8461 §3.3 suggests 64 KiB; DESIGN.md makes it a hard limit.
constexpr std::size_t max_sts_policy_bytes = std::size_t{64} * 1024;
/// RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year).
constexpr std::uint32_t max_sts_max_age = 31557600;

struct sts_policy {
    std::string version;          ///< "STSv1" once seen
    std::optional<sts_mode> mode; ///< absent when missing or unreadable
    std::vector<std::string> mx;  ///< patterns as written, in order
    std::optional<std::uint32_t> max_age;
    /// Things worth telling the publisher that do not make the policy invalid: repeated
    /// fields (first wins), unknown keys, blank lines, a trailing dot on an mx pattern.
    std::vector<std::string> notes;
    /// Empty when the policy is valid; otherwise the first defect, prefixed with
    /// "line N: " when it belongs to a line.
    std::string error;

    bool valid() const { return error.empty(); }
};

/// Parses and validates a policy body. Fields read before an error stay filled in, so a
/// report can show what was published (STS-40).
sts_policy parse_sts_policy(std::string_view body);

void to_json(nlohmann::json& j, const sts_policy& p);

} // namespace policy
