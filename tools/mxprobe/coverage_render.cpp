// The coverage timeline as JSON (mxprobe/coverage/1), a table for people and CSV.

#include "policy/time_text.hpp"
#include "tools/mxprobe/coverage_timeline.hpp"
#include "tools/mxprobe/store_location.hpp"

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

namespace mxprobe {

namespace {

using nlohmann::json;

double share(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return "-";
    }
    char text[16];
    (void)std::snprintf(text, sizeof text, "%.1f %%", 100.0 * share(part, whole));
    return text;
}

std::string ratio(std::uint64_t part, std::uint64_t whole) {
    char text[32];
    (void)std::snprintf(text, sizeof text, "%.4f", share(part, whole));
    return text;
}

std::string csv_row(const std::string& day, const std::string& scope, std::uint64_t total,
                    std::uint64_t validated, std::uint64_t opportunistic, std::uint64_t failing,
                    const std::string& unknown) {
    return day + "," + scope + "," + std::to_string(total) + "," + std::to_string(validated) + "," +
           std::to_string(opportunistic) + "," + std::to_string(failing) + "," + unknown + "," +
           ratio(validated, total) + "," + ratio(opportunistic, total) + "," +
           ratio(failing, total) + "\n";
}

std::string counts_row(const std::string& day, const std::string& scope,
                       const policy::coverage_counts& c) {
    return csv_row(day, scope, c.total(), c.validated, c.opportunistic, c.failing,
                   std::to_string(c.unknown));
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
        return s;
    }
    std::string out = "\"";
    for (char c : s) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

} // namespace

nlohmann::json coverage_to_json(const coverage_timeline& t) {
    json days = json::array();
    for (const auto& d : t.days) {
        json tags = json::object();
        for (const auto& [tag, counts] : d.by_tag) {
            tags[tag] = counts;
        }
        json sessions = d.sessions.sessions;
        json types = json::object();
        for (const auto& [type, c] : d.sessions.policy_types) {
            types[type] = {{"success", c.success}, {"failure", c.failure}};
        }
        sessions["policy_types"] = std::move(types);
        days.push_back({{"day", utc_date(d.day)},
                        {"results", d.results},
                        {"reports", d.reports},
                        {"partners", d.partners},
                        {"by_tag", std::move(tags)},
                        {"own", d.own},
                        {"sessions", std::move(sessions)}});
    }
    return json{{"schema", coverage_schema_id},
                {"generated", policy::iso8601_utc(t.generated)},
                {"first_day", utc_date(t.first_day)},
                {"last_day", utc_date(t.last_day)},
                {"tags", t.tags},
                {"roles_from", t.from_targets ? "targets" : "store"},
                {"results", t.results},
                {"errors", t.errors},
                {"days", std::move(days)}};
}

std::string coverage_to_table(const coverage_timeline& t) {
    std::ostringstream out;
    out << "coverage " << utc_date(t.first_day) << " to " << utc_date(t.last_day) << " (UTC days), "
        << t.results << " stored result(s)";
    if (!t.tags.empty()) {
        out << ", partners tagged";
        for (const auto& tag : t.tags) {
            out << " " << tag;
        }
    }
    out << "\n";
    char line[200];
    (void)std::snprintf(line, sizeof line, "%-10s  %8s  %9s  %13s  %8s  %8s  %9s  %9s  %8s\n",
                        "DAY", "PARTNERS", "VALIDATED", "OPPORTUNISTIC", "FAILING", "UNKNOWN",
                        "SESSIONS", "VALIDATED", "FAILED");
    out << line;
    for (const auto& d : t.days) {
        const auto& p = d.partners;
        const auto& s = d.sessions.sessions;
        (void)std::snprintf(
            line, sizeof line, "%-10s  %8zu  %9s  %13s  %8s  %8s  %9llu  %9s  %8s\n",
            utc_date(d.day).c_str(), p.total(), percent(p.validated, p.total()).c_str(),
            percent(p.opportunistic, p.total()).c_str(), percent(p.failing, p.total()).c_str(),
            percent(p.unknown, p.total()).c_str(), static_cast<unsigned long long>(s.total()),
            percent(s.validated, s.total()).c_str(), percent(s.failed, s.total()).c_str());
        out << line;
    }
    if (!t.days.empty()) {
        const auto& last = t.days.back();
        for (const auto& [tag, c] : last.by_tag) {
            out << "tag " << tag << " (" << utc_date(last.day) << "): " << c.total()
                << " partner(s), " << percent(c.validated, c.total()) << " validated, "
                << percent(c.opportunistic, c.total()) << " opportunistic, "
                << percent(c.failing, c.total()) << " failing, " << percent(c.unknown, c.total())
                << " unknown\n";
        }
        const auto& own = last.own;
        if (own.total() > 0) {
            out << "own domains (" << utc_date(last.day) << "): " << own.total() << ", "
                << percent(own.validated, own.total()) << " validated, "
                << percent(own.failing, own.total()) << " failing\n";
        }
    }
    for (const auto& e : t.errors) {
        out << "unreadable: " << e << "\n";
    }
    return out.str();
}

std::string coverage_to_csv(const coverage_timeline& t) {
    std::string out = "day,scope,total,validated,opportunistic,failing,unknown,validated_share,"
                      "opportunistic_share,failing_share\n";
    for (const auto& d : t.days) {
        const std::string day = utc_date(d.day);
        out += counts_row(day, "partners", d.partners);
        for (const auto& [tag, c] : d.by_tag) {
            out += counts_row(day, csv_field("tag:" + tag), c);
        }
        out += counts_row(day, "own", d.own);
        const auto& s = d.sessions.sessions;
        out += csv_row(day, "sessions", s.total(), s.validated, s.opportunistic, s.failed, "");
    }
    return out;
}

} // namespace mxprobe
