#include "tools/mxprobe/watch_schedule.hpp"

#include <algorithm>

namespace mxprobe {

namespace {

bool has_any_tag(const target& t, const std::vector<std::string>& tags) {
    return std::any_of(tags.begin(), tags.end(), [&](const std::string& want) {
        return std::find(t.tags.begin(), t.tags.end(), want) != t.tags.end();
    });
}

std::int64_t seconds_of(std::chrono::milliseconds d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

} // namespace

watch_schedule::watch_schedule(const targets_file& file)
    : groups_(file.schedule), targets_(file.all_targets()) {
    if (groups_.empty()) {
        schedule_group all;
        all.name = "all";
        groups_.push_back(all);
    }
}

std::vector<target> watch_schedule::members(const std::string& group) const {
    std::vector<target> out;
    for (const auto& t : targets_) {
        // The first group that takes the target owns it.
        const auto owner =
            std::find_if(groups_.begin(), groups_.end(), [&](const schedule_group& g) {
                return g.tags.empty() || has_any_tag(t, g.tags);
            });
        if (owner != groups_.end() && owner->name == group) {
            out.push_back(t);
        }
    }
    return out;
}

void watch_schedule::restore(const std::string& group, std::optional<std::int64_t> stored,
                             std::int64_t now) {
    due_[group] = stored.value_or(now);
}

std::optional<std::pair<std::string, std::int64_t>> watch_schedule::next() const {
    std::optional<std::pair<std::string, std::int64_t>> best;
    for (const auto& g : groups_) {
        const auto it = due_.find(g.name);
        if (it == due_.end()) {
            continue;
        }
        if (!best || it->second < best->second) {
            best = {g.name, it->second};
        }
    }
    return best;
}

std::int64_t watch_schedule::reschedule(const std::string& group, std::int64_t finished,
                                        double jitter_fraction) {
    const auto g = std::find_if(groups_.begin(), groups_.end(),
                                [&](const schedule_group& x) { return x.name == group; });
    if (g == groups_.end()) {
        return finished;
    }
    const double fraction = std::clamp(jitter_fraction, 0.0, 0.999999);
    const auto jitter =
        static_cast<std::int64_t>(fraction * static_cast<double>(seconds_of(g->jitter)));
    const std::int64_t at = finished + std::max<std::int64_t>(1, seconds_of(g->every)) + jitter;
    due_[group] = at;
    return at;
}

} // namespace mxprobe
