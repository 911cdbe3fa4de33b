#include "policy/sts_coverage.hpp"

#include "policy/mta_sts_match.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

std::string without_trailing_dot(std::string name) {
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    return name;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The MX hosts in the order a sender tries them, each once: the same exchange listed twice
// (at two preferences) is one host to cover.
std::vector<sts_mx_coverage> hosts_of(const resolver::mx_answer& mx) {
    std::vector<sts_mx_coverage> out;
    for (const auto& r : mx.records) {
        out.push_back({r.preference, without_trailing_dot(r.host), std::nullopt, {}});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.preference < b.preference; });
    std::vector<sts_mx_coverage> unique;
    for (auto& h : out) {
        const bool seen = std::any_of(unique.begin(), unique.end(), [&](const auto& u) {
            return lower(u.host) == lower(h.host);
        });
        if (!seen) {
            unique.push_back(std::move(h));
        }
    }
    return unique;
}

} // namespace

bool sts_coverage::mx_answered() const {
    return mx_status == resolver::dns_status::noerror ||
           mx_status == resolver::dns_status::nodata || mx_status == resolver::dns_status::nxdomain;
}

sts_coverage check_sts_coverage(const std::string& domain, const resolver::mx_answer& mx,
                                const std::optional<sts_policy>& policy) {
    sts_coverage out;
    out.mx_name = without_trailing_dot(domain);
    out.mx_status = mx.status;
    out.mx_secure = mx.authenticated;
    out.mx_detail = mx.detail;
    if (mx.status == resolver::dns_status::noerror) {
        out.hosts = hosts_of(mx);
        // RFC 7505: a single MX whose exchange is the root.
        out.null_mx = out.hosts.size() == 1 && out.hosts.front().host.empty();
        // A root exchange beside real ones (RFC 7505 §3 violation) names no host to cover.
        std::erase_if(out.hosts, [](const auto& h) { return h.host.empty(); });
    } else if (mx.status == resolver::dns_status::nodata) {
        out.implicit_mx = true;
        out.hosts.push_back({0, out.mx_name, std::nullopt, {}});
    }
    if (!policy || policy->mx.empty() || !out.mx_answered()) {
        return out;
    }
    out.checked = true;
    const bool reportable = policy->valid() && policy->mode && *policy->mode != sts_mode::none;
    for (auto& h : out.hosts) {
        h.pattern = matching_mx_pattern(policy->mx, h.host);
        if (!h.pattern) {
            ++out.uncovered;
            if (reportable) {
                h.result_type = "validation-failure";
            }
        }
    }
    for (const auto& pattern : policy->mx) {
        const bool used = std::any_of(out.hosts.begin(), out.hosts.end(), [&](const auto& h) {
            return mx_pattern_matches(pattern, h.host);
        });
        if (!used) {
            out.unused_patterns.push_back(pattern);
        }
    }
    return out;
}

void to_json(nlohmann::json& j, const sts_coverage& c) {
    auto hosts = nlohmann::json::array();
    for (const auto& h : c.hosts) {
        hosts.push_back(
            {{"preference", c.implicit_mx ? nlohmann::json() : nlohmann::json(h.preference)},
             {"host", h.host},
             {"pattern", h.pattern ? nlohmann::json(*h.pattern) : nlohmann::json()},
             {"covered", c.checked ? nlohmann::json(h.pattern.has_value()) : nlohmann::json()},
             {"result_type",
              h.result_type.empty() ? nlohmann::json() : nlohmann::json(h.result_type)}});
    }
    j = nlohmann::json{{"name", c.mx_name},
                       {"status", c.mx_status},
                       {"secure", c.mx_secure},
                       {"null_mx", c.null_mx},
                       {"implicit_mx", c.implicit_mx},
                       {"checked", c.checked},
                       {"hosts", std::move(hosts)},
                       {"uncovered", c.uncovered},
                       {"unused_patterns", c.unused_patterns}};
    if (!c.mx_answered() && !c.mx_detail.empty()) {
        j["detail"] = c.mx_detail;
    }
}

} // namespace policy
