// The report's vocabulary (result and policy types), its date format, and its output as
// JSON with the member names of RFC 8460, so a parsed report can be written back for audit.

#include "policy/tlsrpt_report.hpp"

#include <array>
#include <chrono>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

void put_extra(nlohmann::json& j, const tlsrpt_extra_members& extra) {
    for (const auto& [name, text] : extra) {
        j[name] = nlohmann::json::parse(text, nullptr, false);
    }
}

void put_optional(nlohmann::json& j, const char* name, const std::optional<std::string>& v) {
    if (v) {
        j[name] = *v;
    }
}

} // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s, bool* zone_missing) {
    // full-date "T" partial-time [time-offset]: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
        s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
        !digits(s, 17, 2, second)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const auto first = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            ++pos;
        }
        if (pos == first) {
            return std::nullopt;
        }
    }
    int offset = 0;
    const auto zone = s.substr(pos);
    if (zone.empty()) {
        if (zone_missing != nullptr) {
            *zone_missing = true;
        }
    } else if (zone == "Z" || zone == "z") {
        // UTC
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        int oh = 0, om = 0;
        if (!digits(zone, 1, 2, oh) || !digits(zone, 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                              std::chrono::day{unsigned(day)}};
    // second 60 is a leap second (RFC 3339 §5.7); it folds into the next minute.
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    const auto days = sys_days{date}.time_since_epoch().count();
    return std::int64_t{days} * 86400 + std::int64_t{hour} * 3600 + std::int64_t{minute} * 60 +
           second - offset;
}

bool is_known_result_type(std::string_view type) {
    static constexpr std::array<std::string_view, 11> known = {
        "starttls-not-supported", "certificate-host-mismatch",
        "certificate-expired",    "certificate-not-trusted",
        "validation-failure",     "tlsa-invalid",
        "dnssec-invalid",         "dane-required",
        "sts-policy-fetch-error", "sts-policy-invalid",
        "sts-webpki-invalid"};
    return std::find(known.begin(), known.end(), type) != known.end();
}

bool is_known_policy_type(std::string_view type) {
    return type == "sts" || type == "tlsa" || type == "no-policy-found";
}

void to_json(nlohmann::json& j, const tlsrpt_failure_detail& d) {
    j = nlohmann::json::object();
    put_extra(j, d.extra);
    j["result-type"] = d.result_type;
    put_optional(j, "sending-mta-ip", d.sending_mta_ip);
    put_optional(j, "receiving-mx-hostname", d.receiving_mx_hostname);
    put_optional(j, "receiving-mx-helo", d.receiving_mx_helo);
    put_optional(j, "receiving-ip", d.receiving_ip);
    put_optional(j, "additional-information", d.additional_information);
    put_optional(j, "failure-reason-code", d.failure_reason_code);
    j["failed-session-count"] = d.failed_session_count;
}

void to_json(nlohmann::json& j, const tlsrpt_policy& p) {
    auto pol = nlohmann::json::object();
    put_extra(pol, p.extra);
    pol["policy-type"] = p.policy_type;
    pol["policy-string"] = p.policy_string;
    pol["policy-domain"] = p.policy_domain;
    pol["mx-host"] = p.mx_host;
    j = {{"policy", std::move(pol)},
         {"summary",
          {{"total-successful-session-count", p.total_successful_session_count},
           {"total-failure-session-count", p.total_failure_session_count}}},
         {"failure-details", p.failure_details},
         {"totals-mismatch", p.totals_mismatch}};
}

void to_json(nlohmann::json& j, const tlsrpt_report& r) {
    j = nlohmann::json::object();
    put_extra(j, r.extra);
    j["organization-name"] = r.organization_name;
    j["contact-info"] = r.contact_info;
    j["report-id"] = r.report_id;
    j["date-range"] = {{"start", r.start}, {"end", r.end}};
    j["policies"] = r.policies;
    j["notes"] = r.notes;
    j["container"] = r.container;
}

} // namespace policy
