#include "policy/tlsrpt_aggregate.hpp"

#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

const std::string& or_not_reported(const std::optional<std::string>& v) {
    static const std::string none = tlsrpt_not_reported;
    return v && !v->empty() ? *v : none;
}

void add(tlsrpt_counts& c, std::uint64_t success, std::uint64_t failure) {
    c.success += success;
    c.failure += failure;
}

void add(tlsrpt_failure_counts& c, const tlsrpt_failure_detail& d) {
    c.failure += d.failed_session_count;
    c.failure_types[d.result_type] += d.failed_session_count;
}

} // namespace

double tlsrpt_counts::failure_rate() const {
    const auto all = success + failure;
    return all == 0 ? 0.0 : static_cast<double>(failure) / static_cast<double>(all);
}

std::string utc_day(std::int64_t unix_seconds) {
    using namespace std::chrono;
    const auto day = floor<days>(sys_seconds{seconds{unix_seconds}});
    const year_month_day ymd{day};
    char text[16];
    (void)std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    return text;
}

bool add_report(tlsrpt_aggregate& a, const tlsrpt_report& report) {
    if (!a.seen.emplace(report.organization_name, report.report_id).second) {
        ++a.duplicates;
        return false;
    }
    ++a.reports;
    const auto day = utc_day(report.start);
    for (const auto& p : report.policies) {
        const auto success = p.total_successful_session_count;
        const auto failure = p.total_failure_session_count;
        add(a.totals, success, failure);
        add(a.policy_types[p.policy_type], success, failure);
        add(a.organizations[report.organization_name], success, failure);
        add(a.days[day], success, failure);
        auto& per_policy = a.policies[{p.policy_domain, p.policy_type}];
        add(per_policy.sessions, success, failure);
        if (p.totals_mismatch) {
            ++a.totals_mismatches;
        }
        for (const auto& d : p.failure_details) {
            a.failure_types[d.result_type] += d.failed_session_count;
            per_policy.failure_types[d.result_type] += d.failed_session_count;
            add(per_policy.receiving_mx[or_not_reported(d.receiving_mx_hostname)], d);
            add(a.receiving_mx[or_not_reported(d.receiving_mx_hostname)], d);
            add(a.receiving_ip[or_not_reported(d.receiving_ip)], d);
            add(a.sending_mta_ip[or_not_reported(d.sending_mta_ip)], d);
            add(a.failure_reason_codes[or_not_reported(d.failure_reason_code)], d);
        }
    }
    return true;
}

void to_json(nlohmann::json& j, const tlsrpt_counts& c) {
    j = {{"success", c.success}, {"failure", c.failure}, {"failure_rate", c.failure_rate()}};
}

void to_json(nlohmann::json& j, const tlsrpt_failure_counts& c) {
    j = {{"failure", c.failure}, {"failure_types", c.failure_types}};
}

} // namespace policy
