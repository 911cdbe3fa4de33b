#pragma once
// The inbound side of the compatibility matrix: what senders reported (TLS-RPT) about mail
// to one of our domains — sessions, failures, failure rate, result types, reporters'
// failure-reason codes, per reporting organization and per receiving MX — with each failure
// explained by the probe's evidence for the same MX (reproduced, not reproduced, or no
// probe data). Pure: reports and scan facts in, summary out.

#include "policy/matrix_facts.hpp"
#include "policy/tlsrpt_aggregate.hpp"
#include "policy/tlsrpt_report.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

enum class evidence_status { reproduced, not_reproduced, no_probe_data };

std::string_view to_string(evidence_status s);

/// One reported failure (result type at one receiving MX) and what the probe says about it.
struct inbound_explanation {
    std::string result_type;
    std::string mx_host; ///< as the reporters named it ("(not reported)" when absent)
    std::vector<std::string> receiving_ips;
    std::uint64_t sessions = 0;
    std::vector<std::string> organizations;
    std::vector<std::string> reason_codes;
    evidence_status status = evidence_status::no_probe_data;
    std::string evidence; ///< the probe's finding, e.g. "mx2's certificate expired on ..."
    std::string text;     ///< the whole sentence for people
};

struct inbound_mx {
    std::uint64_t failures = 0;
    tlsrpt_type_counts failure_types;
    std::set<std::string> organizations;
};

struct inbound_summary {
    std::string domain;
    std::uint64_t reports = 0;
    std::uint64_t successes = 0;
    std::uint64_t failures = 0;
    [[nodiscard]] std::uint64_t sessions() const { return successes + failures; }
    [[nodiscard]] double failure_rate() const;
    tlsrpt_type_counts failure_types;
    std::map<std::string, tlsrpt_counts> organizations;
    std::map<std::string, inbound_mx> receiving_mx;
    std::map<std::string, std::uint64_t> reason_codes;
    std::map<std::string, tlsrpt_counts> policy_types;
    std::vector<inbound_explanation> explanations; ///< most failed sessions first
};

/// Whether `policy` of a report concerns `domain`: its policy domain is the domain, or, for
/// DANE (policy type tlsa, whose policy domain is the TLSA base domain), one of its MX hosts.
bool report_policy_concerns(const tlsrpt_policy& policy, const domain_facts_summary& domain);

/// Sums `reports` (already free of duplicates) for `domain`, and explains each failure with
/// the probe's facts when `domain` was scanned (its mx list is empty otherwise).
inbound_summary summarise_inbound(const domain_facts_summary& domain,
                                  const std::vector<tlsrpt_report>& reports);

/// "1,204": thousands separated for people.
std::string with_separators(std::uint64_t n);

void to_json(nlohmann::json& j, const inbound_explanation& e);
void to_json(nlohmann::json& j, const inbound_summary& s);

} // namespace policy
