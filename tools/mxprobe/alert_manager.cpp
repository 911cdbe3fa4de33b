#include "tools/mxprobe/alert_manager.hpp"

#include "policy/time_text.hpp"

#include <set>

namespace mxprobe {

nlohmann::json alert_event(const stored_alert& a, const std::string& state) {
    nlohmann::json j{{"schema", alert_schema_id},
                     {"state", state},
                     {"key", a.key},
                     {"kind", a.kind},
                     {"severity", a.severity},
                     {"domain", a.domain},
                     {"subject", a.subject},
                     {"message", a.message},
                     {"raised_at", policy::iso8601_utc(a.raised_at)}};
    j["resolved_at"] =
        a.resolved_at != 0 ? nlohmann::json(policy::iso8601_utc(a.resolved_at)) : nlohmann::json();
    return j;
}

alert_manager::alert_manager(history_store& store, alert_sinks& sinks)
    : store_(store), sinks_(sinks), open_(store.open_alerts()) {}

void alert_manager::apply(const std::vector<policy::alert_condition>& active,
                          const std::function<bool(const stored_alert&)>& in_scope,
                          std::int64_t now) {
    std::set<std::string> keys;
    for (const auto& c : active) {
        if (!keys.insert(c.key).second || open_.count(c.key) != 0) {
            continue; // already open: said once, not again
        }
        stored_alert a;
        a.key = c.key;
        a.kind = c.kind;
        a.severity = c.severity;
        a.domain = c.domain;
        a.subject = c.subject;
        a.message = c.message;
        a.raised_at = now;
        a.id = store_.raise_alert(a);
        open_.emplace(a.key, a);
        ++raised_;
        sinks_.deliver(alert_event(a, "raised"));
    }
    for (auto it = open_.begin(); it != open_.end();) {
        if (keys.count(it->first) != 0 || !in_scope(it->second)) {
            ++it;
            continue;
        }
        stored_alert a = it->second;
        a.resolved_at = now;
        store_.resolve_alert(a.id, now);
        ++resolved_;
        sinks_.deliver(alert_event(a, "resolved"));
        it = open_.erase(it);
    }
}

std::map<std::string, std::uint64_t> alert_manager::open_by_severity() const {
    std::map<std::string, std::uint64_t> out;
    for (const auto& [key, a] : open_) {
        ++out[a.severity];
    }
    return out;
}

} // namespace mxprobe
