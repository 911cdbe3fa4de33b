#pragma once
// Raising and resolving alerts once each: the conditions active after a scan are compared
// with the alerts still open in the history store; a condition with no open alert is raised,
// an open alert whose condition is gone is resolved, and both go to the sinks. Nothing is
// sent twice for the same condition, across scans and across restarts.

#include "policy/alert_conditions.hpp"
#include "tools/mxprobe/alert_sinks.hpp"
#include "tools/mxprobe/history_store.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* alert_schema_id = "mxprobe/alert/1";

/// The JSON an alert is sent as (docs/schema/alert.schema.json).
nlohmann::json alert_event(const stored_alert& alert, const std::string& state);

class alert_manager {
  public:
    alert_manager(history_store& store, alert_sinks& sinks);

    /// `active`: the conditions of everything just re-evaluated; `in_scope`: which open
    /// alerts that re-evaluation covers (the scanned domain's, say), so alerts of domains not
    /// looked at stay as they are.
    void apply(const std::vector<policy::alert_condition>& active,
               const std::function<bool(const stored_alert&)>& in_scope, std::int64_t now);

    [[nodiscard]] std::map<std::string, std::uint64_t> open_by_severity() const;
    [[nodiscard]] std::uint64_t raised() const { return raised_; }
    [[nodiscard]] std::uint64_t resolved() const { return resolved_; }

  private:
    history_store& store_;
    alert_sinks& sinks_;
    std::map<std::string, stored_alert> open_; ///< by key
    std::uint64_t raised_ = 0;
    std::uint64_t resolved_ = 0;
};

} // namespace mxprobe
