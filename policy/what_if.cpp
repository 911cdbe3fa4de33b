#include "policy/what_if.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool same_or_under(const std::string& name, const std::string& domain) {
    return name == domain || (name.size() > domain.size() && name.ends_with(domain) &&
                              name[name.size() - domain.size() - 1] == '.');
}

std::uint64_t sessions_of(const tlsrpt_report& r) {
    std::uint64_t n = 0;
    for (const auto& p : r.policies) {
        n += p.total_successful_session_count + p.total_failure_session_count;
    }
    return n;
}

} // namespace

double what_if_result::affected_share() const {
    return reported_sessions == 0
               ? 0.0
               : static_cast<double>(affected_sessions) / static_cast<double>(reported_sessions);
}

bool reported_by(const tlsrpt_report& r, const domain_facts_summary& partner) {
    const std::string domain = lower(partner.domain);
    const std::string contact = lower(r.contact_info);
    if (const auto at = contact.rfind('@'); at != std::string::npos) {
        if (same_or_under(contact.substr(at + 1), domain)) {
            return true;
        }
    }
    const std::string org = lower(r.organization_name);
    return org == domain || (!partner.name.empty() && org == lower(partner.name));
}

what_if_result evaluate_what_if(const std::vector<domain_facts_summary>& domains,
                                const outbound_requirements& current,
                                const outbound_requirements& alternative,
                                const std::vector<tlsrpt_report>& reports,
                                std::chrono::system_clock::time_point now) {
    what_if_result w;
    w.requirements = alternative;
    for (const auto& r : reports) {
        w.reported_sessions += sessions_of(r);
    }
    for (const auto& d : domains) {
        if (d.role != "partner") {
            continue;
        }
        ++w.partners;
        const bool before = check_outbound(d, current, now).compatible;
        const outbound_verdict after = check_outbound(d, alternative, now);
        w.compatible_now += before ? 1 : 0;
        w.compatible_after += after.compatible ? 1 : 0;
        if (before && !after.compatible) {
            what_if_partner p{d.domain, d.name, after.blocking, 0};
            for (const auto& r : reports) {
                if (reported_by(r, d)) {
                    p.reported_sessions += sessions_of(r);
                }
            }
            w.affected_sessions += p.reported_sessions;
            w.breaking.push_back(std::move(p));
        }
    }
    return w;
}

void to_json(nlohmann::json& j, const outbound_requirements& r) {
    j = nlohmann::json{{"min_version", r.min_version},
                       {"require_forward_secrecy", r.require_forward_secrecy},
                       {"forbidden_ciphers", r.forbidden_ciphers},
                       {"require_valid_certificate", r.require_valid_certificate},
                       {"honour_mta_sts", r.honour_mta_sts},
                       {"honour_dane", r.honour_dane}};
}

void to_json(nlohmann::json& j, const what_if_result& w) {
    nlohmann::json breaking = nlohmann::json::array();
    for (const auto& p : w.breaking) {
        breaking.push_back({{"domain", p.domain},
                            {"name", p.name},
                            {"blocking", p.blocking},
                            {"reported_sessions", p.reported_sessions}});
    }
    j = nlohmann::json{
        {"requirements", w.requirements},           {"partners", w.partners},
        {"compatible_now", w.compatible_now},       {"compatible_after", w.compatible_after},
        {"breaking", std::move(breaking)},          {"reported_sessions", w.reported_sessions},
        {"affected_sessions", w.affected_sessions}, {"affected_share", w.affected_share()}};
}

} // namespace policy
