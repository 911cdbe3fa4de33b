#pragma once
// When `mxprobe watch` scans what: the schedule groups of targets.yaml (every, jitter, tags),
// which targets belong to which group, and which group is due next. Plain logic over Unix
// seconds given by the caller — no clock read here, no sleeping — so tests drive it with any
// time they like.

#include "tools/mxprobe/targets_file.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mxprobe {

class watch_schedule {
  public:
    /// The file's groups; a file without `schedule` gets one group "all", every 6 hours.
    explicit watch_schedule(const targets_file& file);

    [[nodiscard]] const std::vector<schedule_group>& groups() const { return groups_; }

    /// The targets of `group`: each target belongs to the first group whose tags it has; a
    /// group without tags takes every target no earlier group took.
    [[nodiscard]] std::vector<target> members(const std::string& group) const;

    /// Sets when `group` is next due; `stored` comes from the history store (absent the first
    /// time: due at once, so a new watch scans everything as it starts).
    void restore(const std::string& group, std::optional<std::int64_t> stored, std::int64_t now);

    /// The group due soonest and when (earlier groups of the file win ties); none without
    /// groups.
    [[nodiscard]] std::optional<std::pair<std::string, std::int64_t>> next() const;

    /// After a scan of `group` finished at `finished`: next due at finished + every + a share
    /// `jitter_fraction` (0 <= x < 1) of the jitter. Returns that time.
    std::int64_t reschedule(const std::string& group, std::int64_t finished,
                            double jitter_fraction);

  private:
    std::vector<schedule_group> groups_;
    std::vector<target> targets_;
    std::map<std::string, std::int64_t> due_;
};

} // namespace mxprobe
