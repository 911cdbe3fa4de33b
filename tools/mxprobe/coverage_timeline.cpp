#include "tools/mxprobe/coverage_timeline.hpp"

#include "policy/time_text.hpp"
#include "tools/mxprobe/matrix_input.hpp"
#include "tools/mxprobe/report_store.hpp"
#include "tools/mxprobe/store_location.hpp"

#include <algorithm>
#include <map>

namespace mxprobe {

namespace {

constexpr std::int64_t day_seconds = 86400;

// What a day's count needs of a domain's latest result.
struct domain_state {
    std::string role;
    std::vector<std::string> tags;
    policy::encryption_class encryption = policy::encryption_class::unknown;
};

class timeline_builder {
  public:
    timeline_builder(const history_store& store, const targets_file* targets,
                     const std::vector<std::string>& tags, coverage_timeline& out)
        : store_(store), tags_(tags), out_(out) {
        if (targets != nullptr) {
            for (const auto& t : targets->all_targets()) {
                targets_.emplace(t.domain, domain_state{t.role, t.tags, {}});
            }
        }
    }

    void apply(const stored_domain_result& r) {
        ++out_.results;
        std::optional<domain_state> state;
        if (!targets_.empty()) {
            const auto it = targets_.find(r.domain);
            if (it == targets_.end()) {
                return; // stored once, no longer a target
            }
            state = it->second;
        }
        try {
            const auto facts = facts_from_domain_text(r.document, "history store " + store_.path() +
                                                                      ": " + r.domain + " at " +
                                                                      policy::iso8601_utc(r.at));
            if (!state) {
                state = domain_state{facts.role, facts.tags, {}};
            }
            state->encryption = policy::classify_encryption(facts);
            current_[r.domain] = std::move(*state);
        } catch (const matrix_input_error& e) {
            out_.errors.push_back(e.what());
        }
    }

    void count_day(coverage_day& day) const {
        for (const auto& entry : current_) {
            const domain_state& s = entry.second;
            if (s.role == "own") {
                day.own.add(s.encryption);
                continue;
            }
            if (!tags_.empty() && std::none_of(tags_.begin(), tags_.end(), [&](const auto& t) {
                    return std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end();
                })) {
                continue;
            }
            day.partners.add(s.encryption);
            for (const auto& t : s.tags) {
                if (tags_.empty() || std::find(tags_.begin(), tags_.end(), t) != tags_.end()) {
                    day.by_tag[t].add(s.encryption);
                }
            }
        }
    }

  private:
    const history_store& store_;
    const std::vector<std::string>& tags_;
    coverage_timeline& out_;
    std::map<std::string, domain_state> targets_;
    std::map<std::string, domain_state> current_;
};

} // namespace

coverage_timeline build_coverage_timeline(const history_store& store, const targets_file* targets,
                                          const std::vector<std::string>& tags, std::int64_t since,
                                          std::int64_t now) {
    coverage_timeline t;
    t.first_day = utc_day_start(std::min(since, now));
    t.last_day = utc_day_start(now);
    t.generated = now;
    t.tags = tags;
    t.from_targets = targets != nullptr;

    // Reports by the UTC day their date range starts (a TLS-RPT report covers one day).
    std::map<std::int64_t, std::vector<policy::tlsrpt_report>> reports_by_day;
    auto stored = load_stored_reports(store, t.first_day, now);
    for (auto& [where, error] : stored.errors) {
        t.errors.push_back(where);
        t.errors.back() += ": " + error;
    }
    for (auto& r : stored.reports) {
        const std::int64_t day = utc_day_start(r.start);
        if (day >= t.first_day) {
            reports_by_day[day].push_back(std::move(r));
        }
    }

    timeline_builder builder(store, targets, tags, t);
    for (const auto& r : store.latest_results_before(t.first_day)) {
        builder.apply(r);
    }
    coverage_day day;
    day.day = t.first_day;
    const auto close_day = [&] {
        builder.count_day(day);
        const auto it = reports_by_day.find(day.day);
        if (it != reports_by_day.end()) {
            day.sessions = policy::sum_reported_sessions(it->second);
            day.reports = it->second.size();
        }
        const std::int64_t next = day.day + day_seconds;
        t.days.push_back(std::move(day));
        day = coverage_day{};
        day.day = next;
    };
    store.for_each_result_since(t.first_day, [&](stored_domain_result&& r) {
        if (r.at > now) {
            return; // a clock set back since: the timeline ends now
        }
        while (r.at >= day.day + day_seconds && day.day < t.last_day) {
            close_day();
        }
        ++day.results;
        builder.apply(r);
    });
    while (day.day <= t.last_day) {
        close_day();
    }
    return t;
}

} // namespace mxprobe
