#include "tools/mxprobe/tlsrpt_render.hpp"

#include "tools/mxprobe/host_report.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sstream>

namespace mxprobe {

namespace {

using nlohmann::json;

// Rows shown per table in the text summary; --json has them all.
constexpr std::size_t text_rows = 10;

json problems_json(const std::vector<input_problem>& problems, const char* what) {
    auto out = json::array();
    for (const auto& p : problems) {
        out.push_back({{"file", p.file}, {what, p.message}});
    }
    return out;
}

json policies_json(const policy::tlsrpt_aggregate& a) {
    auto out = json::array();
    for (const auto& [key, counts] : a.policies) {
        out.push_back({{"policy_domain", key.first.empty() ? json() : json(key.first)},
                       {"policy_type", key.second},
                       {"success", counts.sessions.success},
                       {"failure", counts.sessions.failure},
                       {"failure_rate", counts.sessions.failure_rate()},
                       {"failure_types", counts.failure_types},
                       {"receiving_mx", counts.receiving_mx}});
    }
    return out;
}

std::string percent(double rate) {
    char text[32];
    (void)std::snprintf(text, sizeof text, "%.2f %%", rate * 100.0);
    return text;
}

// Columns padded to their widest cell; `align` has one letter per column, 'l' or 'r'.
class table {
  public:
    table(std::vector<std::string> header, std::string align) : align_(std::move(align)) {
        rows_.push_back(std::move(header));
    }
    void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

    /// Prints the rows, then how many of `total_rows` were left out.
    void print(std::ostringstream& out, std::size_t total_rows) const {
        std::vector<std::size_t> width(rows_.front().size(), 0);
        for (const auto& row : rows_) {
            for (std::size_t c = 0; c < row.size(); ++c) {
                width[c] = std::max(width[c], row[c].size());
            }
        }
        for (const auto& row : rows_) {
            std::string line = " ";
            for (std::size_t c = 0; c < row.size(); ++c) {
                const auto pad = std::string(width[c] - row[c].size(), ' ');
                line += " " + (align_[c] == 'r' ? pad + row[c] : row[c] + pad) + " ";
            }
            while (!line.empty() && line.back() == ' ') {
                line.pop_back();
            }
            out << line << "\n";
        }
        const auto shown = rows_.size() - 1;
        if (total_rows > shown) {
            out << "  ... " << total_rows - shown << " more (see --json)\n";
        }
    }

  private:
    std::vector<std::vector<std::string>> rows_;
    std::string align_;
};

// The entries of a map, most important first by `before`; pointers, so nothing is copied.
template <class Map, class Before> auto sorted_entries(const Map& map, Before before) {
    std::vector<const typename Map::value_type*> rows;
    rows.reserve(map.size());
    for (const auto& entry : map) {
        rows.push_back(&entry);
    }
    std::stable_sort(rows.begin(), rows.end(),
                     [&](const auto* x, const auto* y) { return before(x->second, y->second); });
    return rows;
}

std::string types_text(const policy::tlsrpt_type_counts& types) {
    std::string out;
    for (const auto* entry : sorted_entries(types, std::greater<>())) {
        out += (out.empty() ? "" : ", ") + entry->first + " " + std::to_string(entry->second);
    }
    return out;
}

void text_policies(std::ostringstream& out, const policy::tlsrpt_aggregate& a) {
    // Most failures first: what needs attention is on top.
    const auto rows = sorted_entries(a.policies, [](const auto& x, const auto& y) {
        return x.sessions.failure > y.sessions.failure;
    });
    table t({"policy domain", "type", "success", "failure", "rate", "failures by type"}, "llrrrl");
    for (std::size_t i = 0; i < rows.size() && i < text_rows; ++i) {
        const auto& [key, c] = *rows[i];
        t.add({key.first.empty() ? policy::tlsrpt_not_reported : key.first, key.second,
               std::to_string(c.sessions.success), std::to_string(c.sessions.failure),
               percent(c.sessions.failure_rate()), types_text(c.failure_types)});
    }
    t.print(out, rows.size());
}

void text_failures_by(std::ostringstream& out, const char* title,
                      const std::map<std::string, policy::tlsrpt_failure_counts>& groups) {
    if (groups.empty()) {
        return;
    }
    const auto rows =
        sorted_entries(groups, [](const auto& x, const auto& y) { return x.failure > y.failure; });
    out << "\n";
    table t({title, "failure", "failures by type"}, "lrl");
    for (std::size_t i = 0; i < rows.size() && i < text_rows; ++i) {
        t.add({rows[i]->first, std::to_string(rows[i]->second.failure),
               types_text(rows[i]->second.failure_types)});
    }
    t.print(out, rows.size());
}

void text_organizations(std::ostringstream& out, const policy::tlsrpt_aggregate& a) {
    const auto rows = sorted_entries(a.organizations, [](const auto& x, const auto& y) {
        return x.failure + x.success > y.failure + y.success;
    });
    out << "\n";
    table t({"reporter", "success", "failure", "rate"}, "lrrr");
    for (std::size_t i = 0; i < rows.size() && i < text_rows; ++i) {
        const auto& c = rows[i]->second;
        t.add({rows[i]->first.empty() ? policy::tlsrpt_not_reported : rows[i]->first,
               std::to_string(c.success), std::to_string(c.failure), percent(c.failure_rate())});
    }
    t.print(out, rows.size());
}

} // namespace

nlohmann::json tlsrpt_to_json(const tlsrpt_ingest& in) {
    const auto& a = in.aggregate;
    auto duplicates = json::array();
    for (const auto& d : in.duplicates) {
        duplicates.push_back({{"file", d.file}, {"same_as", d.same_as}});
    }
    json out{{"schema", tlsrpt_schema_id},
             {"files", in.files},
             {"bytes", in.bytes},
             {"reports", a.reports},
             {"duplicates", a.duplicates},
             {"duplicate_files", std::move(duplicates)},
             {"errors", problems_json(in.errors, "error")},
             {"skipped", problems_json(in.skipped, "reason")},
             {"date_range", a.reports == 0 ? json()
                                           : json{{"start", iso8601(in.first_start)},
                                                  {"end", iso8601(in.last_end)}}},
             {"totals", a.totals},
             {"totals_mismatches", a.totals_mismatches},
             {"failure_types", a.failure_types},
             {"policies", policies_json(a)},
             {"policy_types", a.policy_types},
             {"organizations", a.organizations},
             {"days", a.days},
             {"receiving_mx", a.receiving_mx},
             {"receiving_ip", a.receiving_ip},
             {"sending_mta_ip", a.sending_mta_ip},
             {"failure_reason_codes", a.failure_reason_codes},
             {"notes", in.notes}};
    return out;
}

std::string tlsrpt_to_text(const tlsrpt_ingest& in) {
    const auto& a = in.aggregate;
    std::ostringstream out;
    out << "TLS-RPT   " << a.reports << " report(s) from " << in.files << " file(s)";
    out << "; " << a.duplicates << " duplicate(s), " << in.errors.size() << " error(s)";
    if (!in.skipped.empty()) {
        out << ", " << in.skipped.size() << " skipped";
    }
    out << "\n";
    if (a.reports > 0) {
        out << "period    " << iso8601(in.first_start).substr(0, 10) << " to "
            << iso8601(in.last_end).substr(0, 10) << "\n";
        out << "sessions  " << a.totals.success << " successful, " << a.totals.failure
            << " failed (" << percent(a.totals.failure_rate()) << ")";
        if (a.totals_mismatches > 0) {
            out << "; " << a.totals_mismatches << " polic"
                << (a.totals_mismatches == 1 ? "y" : "ies")
                << " whose details do not add up to its summary";
        }
        out << "\n\n";
        text_policies(out, a);
        text_failures_by(out, "receiving MX", a.receiving_mx);
        text_failures_by(out, "receiving IP", a.receiving_ip);
        text_organizations(out, a);
    }
    if (!in.errors.empty()) {
        out << "\nerrors\n";
        for (const auto& e : in.errors) {
            out << "  " << e.file << ": " << e.message << "\n";
        }
    }
    if (!in.skipped.empty()) {
        out << "\nskipped\n";
        for (const auto& s : in.skipped) {
            out << "  " << s.file << ": " << s.message << "\n";
        }
    }
    return out.str();
}

exit_status tlsrpt_exit_status(const tlsrpt_ingest& in) {
    const auto& a = in.aggregate;
    if (a.reports == 0) {
        return exit_status::unknown;
    }
    if (a.totals.failure > 0 || !in.errors.empty()) {
        return exit_status::warning;
    }
    return exit_status::ok;
}

} // namespace mxprobe
