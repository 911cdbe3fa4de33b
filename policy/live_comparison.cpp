#include "policy/live_comparison.hpp"

#include "policy/days.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace policy {

namespace {


std::set<std::string> name_set(const probe::cert_info& c) {
    std::set<std::string> out;
    for (std::string n : c.san_dns) {
        std::transform(n.begin(), n.end(), n.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (!n.empty() && n.back() == '.') {
            n.pop_back();
        }
        out.insert(std::move(n));
    }
    return out;
}

std::string join_prefixed(const std::vector<std::string>& items, const char* prefix) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ", ") + std::string(prefix) + i;
    }
    return out;
}

std::string short_digest(const std::string& hex) {
    return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex;
}

} // namespace

check compare_with_live(const live_view& live, const probe::cert_info& candidate) {
    check out{"live", live.host, check_status::ok, {}, std::nullopt};
    const std::string where = live.host + (live.endpoint.empty() ? "" : " " + live.endpoint);
    if (live.chain.empty()) {
        out.status = check_status::unknown;
        out.message = "could not compare: " + where + " presented no certificate" +
                      (live.error.empty() ? "" : " (" + live.error + ")");
        return out;
    }
    const probe::cert_info& current = live.chain.front();
    if (current.sha256 == candidate.sha256) {
        out.message = where + " already presents this certificate";
        return out;
    }
    std::string message = current.spki_der == candidate.spki_der
                              ? "same key as " + where + " presents now"
                              : "new key (SPKI sha256 " + short_digest(candidate.spki_sha256) +
                                    " replaces " + short_digest(current.spki_sha256) + " on " +
                                    where + ")";
    const auto before = name_set(current);
    const auto after = name_set(candidate);
    std::vector<std::string> gained;
    std::vector<std::string> lost;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                        std::back_inserter(gained));
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(lost));
    if (gained.empty() && lost.empty()) {
        message += "; names unchanged";
    } else {
        std::vector<std::string> parts;
        if (!gained.empty()) {
            parts.push_back("gained " + join_prefixed(gained, "+"));
        }
        if (!lost.empty()) {
            parts.push_back("lost " + join_prefixed(lost, "-"));
            out.status = check_status::warn;
        }
        message += "; names " + parts.front() + (parts.size() > 1 ? ", " + parts.back() : "");
    }
    const std::int64_t delta = candidate.not_after - current.not_after;
    const std::string dates =
        " (" + date_text(current.not_after) + " -> " + date_text(candidate.not_after) + ")";
    if (delta > 0) {
        message +=
            "; expiry extended by " + std::to_string(delta / seconds_per_day) + " day(s)" + dates;
    } else if (delta < 0) {
        message += "; expiry shortened by " +
                   std::to_string((-delta + seconds_per_day - 1) / seconds_per_day) + " day(s)" +
                   dates;
        out.status = check_status::warn;
    } else {
        message += "; same expiry" + dates;
    }
    out.message = message;
    return out;
}

} // namespace policy
