#include "policy/alert_baseline.hpp"

#include <algorithm>
#include <map>

namespace policy {

namespace {

std::string subject_of(const mx_facts& m) {
    return m.host + " [" + m.ip + "]";
}

} // namespace

domain_facts_summary comparison_baseline(domain_facts_summary previous,
                                         const std::vector<mx_facts>& last_checked) {
    for (auto& m : previous.mx) {
        if (m.checked) {
            continue;
        }
        const auto found =
            std::find_if(last_checked.begin(), last_checked.end(), [&](const mx_facts& c) {
                return c.checked && c.host == m.host && c.ip == m.ip;
            });
        if (found == last_checked.end()) {
            continue;
        }
        m = *found;
        std::vector<std::string> carried = m.result_types;
        carried.insert(carried.end(), m.reportable_result_types.begin(),
                       m.reportable_result_types.end());
        carried.insert(carried.end(), m.dane_result_types.begin(), m.dane_result_types.end());
        if (!m.sts_result_type.empty()) {
            carried.push_back(m.sts_result_type); // e.g. validation-failure: not in the policy
        }
        for (const auto& type : carried) {
            if (std::find(previous.result_types.begin(), previous.result_types.end(), type) ==
                previous.result_types.end()) {
                previous.result_types.push_back(type);
            }
        }
    }
    return previous;
}

std::set<std::string> unchecked_subjects(const domain_facts_summary& d) {
    std::set<std::string> out;
    std::map<std::string, bool> host_checked;
    for (const auto& m : d.mx) {
        if (!m.checked) {
            out.insert(subject_of(m));
        }
        host_checked[m.host] = host_checked[m.host] || m.checked;
    }
    for (const auto& [host, checked] : host_checked) {
        if (!checked) {
            out.insert(host);
        }
    }
    return out;
}

bool nothing_checked(const domain_facts_summary& d) {
    const bool none =
        std::none_of(d.mx.begin(), d.mx.end(), [](const mx_facts& m) { return m.checked; });
    return none && d.verdict == "unknown";
}

} // namespace policy
