#pragma once
// "If we required this, who breaks?" Every partner is checked against a second set of
// requirements; those compatible today and not under it are listed with what blocks them,
// with the mail volume at stake. TLS-RPT reports a partner sends us say how many sessions it
// opens to us: that volume stands in for the mail we exchange with it.

#include "policy/matrix_facts.hpp"
#include "policy/outbound_check.hpp"
#include "policy/outbound_requirements.hpp"
#include "policy/tlsrpt_report.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

struct what_if_partner {
    std::string domain;
    std::string name;
    std::vector<std::string> blocking; ///< under the alternative requirements
    std::uint64_t reported_sessions = 0;
};

struct what_if_result {
    outbound_requirements requirements;
    std::size_t partners = 0;         ///< partners checked
    std::size_t compatible_now = 0;   ///< under our current requirements
    std::size_t compatible_after = 0; ///< under the alternative
    std::vector<what_if_partner> breaking;
    std::uint64_t reported_sessions = 0; ///< every session partners reported to us
    std::uint64_t affected_sessions = 0; ///< those reported by partners that would break
    [[nodiscard]] double affected_share() const;
};

/// Whether a report was sent by `partner`: its contact-info's domain is the partner's domain
/// (or under it), or its organization-name is the partner's domain or name.
bool reported_by(const tlsrpt_report& report, const domain_facts_summary& partner);

what_if_result evaluate_what_if(const std::vector<domain_facts_summary>& domains,
                                const outbound_requirements& current,
                                const outbound_requirements& alternative,
                                const std::vector<tlsrpt_report>& reports,
                                std::chrono::system_clock::time_point now);

void to_json(nlohmann::json& j, const outbound_requirements& r);
void to_json(nlohmann::json& j, const what_if_result& w);

} // namespace policy
