#include "tools/mxprobe/domain_history.hpp"

#include "policy/text_join.hpp"
#include "policy/time_text.hpp"
#include "tools/mxprobe/matrix_input.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <sstream>

#include <nlohmann/json.hpp>

namespace mxprobe {

namespace {

using policy::join;

using nlohmann::json;

policy::severity severity_of(const std::string& word) {
    if (word == "ok") {
        return policy::severity::ok;
    }
    if (word == "warning") {
        return policy::severity::warning;
    }
    if (word == "critical") {
        return policy::severity::critical;
    }
    return policy::severity::unknown;
}

std::optional<policy::domain_facts_summary>
readable(const history_store& store, const stored_domain_result& r, std::string& error) {
    try {
        return facts_from_domain_text(r.document, "history store " + store.path() + ": " +
                                                      r.domain + " at " +
                                                      policy::iso8601_utc(r.at));
    } catch (const matrix_input_error& e) {
        error = e.what();
        return std::nullopt;
    }
}

json nullable(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

} // namespace

domain_history load_history(const history_store& store, const std::string& domain,
                            std::int64_t since, std::int64_t now) {
    domain_history h;
    h.domain = domain;
    h.since = since;
    h.generated = now;
    // The baseline: the newest readable result before the period, if any.
    std::optional<std::pair<std::int64_t, std::int64_t>> previous_id;
    std::optional<policy::domain_facts_summary> previous;
    if (const auto before = store.result_before(domain, since)) {
        std::string ignored;
        previous = readable(store, *before, ignored);
        if (previous) {
            previous_id = std::make_pair(before->scan_id, before->at);
        }
    }
    for (const auto& r : store.results_since(domain, since)) {
        history_entry e;
        e.scan_id = r.scan_id;
        e.at = r.at;
        e.verdict = r.verdict;
        auto facts = readable(store, r, e.error);
        if (facts) {
            e.result_types = facts->result_types;
            if (previous) {
                e.compared_with = previous_id;
                e.changes = policy::diff_facts(*previous, *facts);
            }
            previous = std::move(facts);
            previous_id = std::make_pair(r.scan_id, r.at);
        }
        h.entries.push_back(std::move(e));
    }
    h.alerts = store.alerts_since(domain, since);
    return h;
}

nlohmann::json history_to_json(const domain_history& h) {
    json scans = json::array();
    for (const auto& e : h.entries) {
        json changes = json::array();
        for (const auto& c : e.changes) {
            json item{{"what", c.what},
                      {"from", nullable(c.from)},
                      {"to", nullable(c.to)},
                      {"text", c.text}};
            if (!c.host.empty()) {
                item["host"] = c.host;
                item["ip"] = c.ip;
            }
            changes.push_back(std::move(item));
        }
        json entry{{"scan_id", e.scan_id},
                   {"at", policy::iso8601_utc(e.at)},
                   {"verdict", e.verdict},
                   {"result_types", e.result_types},
                   {"compared_with",
                    e.compared_with ? json{{"scan_id", e.compared_with->first},
                                           {"at", policy::iso8601_utc(e.compared_with->second)}}
                                    : json(nullptr)},
                   {"changes", std::move(changes)}};
        if (!e.error.empty()) {
            entry["error"] = e.error;
        }
        scans.push_back(std::move(entry));
    }
    json alerts = json::array();
    for (const auto& a : h.alerts) {
        alerts.push_back(
            {{"id", a.id},
             {"key", a.key},
             {"kind", a.kind},
             {"severity", a.severity},
             {"subject", a.subject},
             {"message", a.message},
             {"raised_at", policy::iso8601_utc(a.raised_at)},
             {"resolved_at",
              a.resolved_at == 0 ? json(nullptr) : json(policy::iso8601_utc(a.resolved_at))}});
    }
    return json{{"schema", history_schema_id},
                {"domain", h.domain},
                {"since", policy::iso8601_utc(h.since)},
                {"generated", policy::iso8601_utc(h.generated)},
                {"scans", std::move(scans)},
                {"alerts", std::move(alerts)}};
}

std::string history_to_text(const domain_history& h, bool colour) {
    const text_style style(colour);
    std::size_t changed = 0;
    for (const auto& e : h.entries) {
        changed += e.changes.empty() ? 0 : 1;
    }
    std::ostringstream out;
    out << h.domain << "  since " << policy::iso8601_utc(h.since) << ": " << h.entries.size()
        << " stored result(s), " << changed << " with changes; " << h.alerts.size()
        << " alert(s)\n";
    for (const auto& e : h.entries) {
        out << "  " << policy::iso8601_utc(e.at) << "  "
            << style.padded_verdict(severity_of(e.verdict), 8) << "  scan " << e.scan_id
            << "  RFC 8460 " << (e.result_types.empty() ? "none" : join(e.result_types));
        if (!e.error.empty()) {
            out << "\n      unreadable: " << e.error << "\n";
            continue;
        }
        if (!e.compared_with) {
            out << "  (first stored result)\n";
            continue;
        }
        out << (e.changes.empty() ? "  (no change)\n" : "\n");
        for (const auto& c : e.changes) {
            out << "      " << c.text << "\n";
        }
    }
    if (!h.alerts.empty()) {
        out << "  alerts\n";
    }
    for (const auto& a : h.alerts) {
        out << "    " << policy::iso8601_utc(a.raised_at) << "  "
            << style.paint(severity_of(a.severity), a.severity) << "  " << a.kind << "  "
            << a.subject << ": " << a.message << "  ("
            << (a.resolved_at == 0 ? "open" : "resolved " + policy::iso8601_utc(a.resolved_at))
            << ")\n";
    }
    return out.str();
}

} // namespace mxprobe
