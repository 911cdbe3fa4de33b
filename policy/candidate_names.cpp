#include "policy/candidate_names.hpp"

#include "policy/text_join.hpp"
#include "policy/mta_sts_match.hpp"

#include <algorithm>

namespace policy {

namespace {

check make(const char* name, std::string subject, check_status status, std::string message) {
    return {name, std::move(subject), status, std::move(message), std::nullopt};
}

bool answered(resolver::dns_status s) {
    return s == resolver::dns_status::noerror || s == resolver::dns_status::nodata ||
           s == resolver::dns_status::nxdomain;
}

// A fetch that ran out of time says nothing about the policy host: try again later. A host
// that does not resolve or refuses the connection is what senders meet too.
bool transient(probe::fetch_failure f) {
    return f == probe::fetch_failure::timeout;
}

} // namespace

check check_mail_route(const resolver::mail_lookup& route, std::vector<std::string>& hosts) {
    const std::string& domain = route.domain;
    const auto& mx = route.mx;
    if (!answered(mx.status)) {
        return make("mx", domain, check_status::unknown,
                    "the MX lookup failed (" + std::string(to_string(mx.status)) +
                        (mx.detail.empty() ? "" : ": " + mx.detail) + "): no MX names to check");
    }
    if (mx.status == resolver::dns_status::nxdomain) {
        return make("mx", domain, check_status::fail, "the domain does not exist (NXDOMAIN)");
    }
    if (route.null_mx) {
        return make("mx", domain, check_status::warn,
                    "null MX (RFC 7505): the domain accepts no mail, so no MX name to check");
    }
    for (const auto& h : route.hosts) {
        hosts.push_back(h.host);
    }
    const std::string secure = mx.authenticated ? " (DNSSEC-secure)" : "";
    if (route.implicit_mx) {
        return make("mx", domain, check_status::ok,
                    "no MX records: the domain itself is the mail host (implicit MX, RFC 5321 "
                    "§5.1)" +
                        secure);
    }
    if (route.hosts.empty()) {
        return make("mx", domain, check_status::fail,
                    "no MX records and no address records: the domain has no mail route");
    }
    std::vector<std::string> listed;
    for (const auto& h : route.hosts) {
        listed.push_back(std::to_string(h.preference) + " " + h.host);
    }
    if (route.null_mx_mixed) {
        return make("mx", domain, check_status::warn,
                    "MX " + join(listed) + " beside a '.' MX, which RFC 7505 §3 forbids");
    }
    return make("mx", domain, check_status::ok, "MX " + join(listed) + secure);
}

check check_name(const probe::cert_info& leaf, const std::string& host, bool matched,
                 std::string_view role) {
    const std::string what = std::string(role) + " " + host;
    if (matched) {
        // The same one-label wildcard rule as RFC 9525's, enough to show which entry counts.
        const auto it = std::find_if(leaf.san_dns.begin(), leaf.san_dns.end(),
                                     [&](const auto& s) { return mx_pattern_matches(s, host); });
        return make("name", host, check_status::ok,
                    what + " is covered" +
                        (it != leaf.san_dns.end() ? " by subjectAltName " + *it : std::string()));
    }
    if (leaf.san_dns.empty()) {
        return make("name", host, check_status::fail,
                    what + " is not covered: the leaf has no subjectAltName DNS names (the CN is "
                           "not used, RFC 9525)");
    }
    return make("name", host, check_status::fail,
                what + " is not covered by the subjectAltName DNS names (" + join(leaf.san_dns) +
                    ")");
}

check check_sts_patterns(const sts_outcome& sts, const std::vector<std::string>& hosts) {
    const std::string& domain = sts.domain;
    if (!answered(sts.txt_status)) {
        return make("mta-sts", domain, check_status::unknown, sts.error);
    }
    if (sts.txt.status == sts_txt_status::no_record) {
        return make("mta-sts", domain, check_status::ok,
                    "no MTA-STS policy (no v=STSv1 record at _mta-sts." + domain + ")");
    }
    if (!sts.txt.valid()) {
        return make("mta-sts", domain, check_status::warn,
                    sts.error + ": senders see no policy, so the MX names were not compared");
    }
    if (sts.result_type) {
        const bool retry = sts.fetch && transient(sts.fetch->failure);
        return make("mta-sts", domain, retry ? check_status::unknown : check_status::warn,
                    sts.error + " (" + *sts.result_type + "): the MX names were not compared");
    }
    if (!sts.policy) {
        return make("mta-sts", domain, check_status::unknown, "the policy was not fetched");
    }
    const sts_policy& policy = *sts.policy;
    if (policy.mode == sts_mode::none) {
        return make("mta-sts", domain, check_status::ok,
                    "the policy's mode is none: senders apply no policy");
    }
    if (hosts.empty()) {
        return make("mta-sts", domain, check_status::ok, "no MX host to compare with the policy");
    }
    std::vector<std::string> missing;
    std::vector<std::string> matched;
    for (const auto& host : hosts) {
        const auto pattern = matching_mx_pattern(policy.mx, host);
        if (pattern) {
            matched.push_back(host + " ~ " + *pattern);
        } else {
            missing.push_back(host);
        }
    }
    const bool enforce = policy.mode == sts_mode::enforce;
    const std::string mode = enforce ? "enforce" : "testing";
    if (!missing.empty()) {
        return make("mta-sts", domain, enforce ? check_status::fail : check_status::warn,
                    join(missing) + (missing.size() == 1 ? " matches" : " match") +
                        " no mx pattern of the " + mode + " policy (mx: " + join(policy.mx) +
                        "): " +
                        (enforce ? "enforce-mode senders will not deliver there"
                                 : "senders deliver but report sts failures"));
    }
    return make("mta-sts", domain, check_status::ok,
                "every MX matches the " + mode + " policy: " + join(matched, "; "));
}

} // namespace policy
