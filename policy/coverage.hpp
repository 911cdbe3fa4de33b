#pragma once
// Encryption coverage, the figure compliance teams ask for: of our partners (and per tag),
// how many can receive mail with validated encryption (every MX authenticates: WebPKI or
// DANE), how many only opportunistically (TLS, but a certificate a validating sender would
// reject), how many fail (an MX without working STARTTLS), and how many could not be checked;
// and of the sessions senders reported to us, the share that was policy-validated, merely
// encrypted, or failed.

#include "policy/inbound_summary.hpp"
#include "policy/matrix_facts.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

enum class encryption_class { validated, opportunistic, failing, unknown, no_mail };

std::string_view to_string(encryption_class c);

/// How mail to this domain is protected, from its MX hosts' facts.
encryption_class classify_encryption(const domain_facts_summary& d);

struct coverage_counts {
    std::size_t validated = 0;
    std::size_t opportunistic = 0;
    std::size_t failing = 0;
    std::size_t unknown = 0;
    [[nodiscard]] std::size_t total() const {
        return validated + opportunistic + failing + unknown;
    }
    void add(encryption_class c);
};

struct session_coverage {
    std::uint64_t validated = 0;     ///< successful sessions under an sts or tlsa policy
    std::uint64_t opportunistic = 0; ///< successful sessions with no policy found
    std::uint64_t failed = 0;
    [[nodiscard]] std::uint64_t total() const { return validated + opportunistic + failed; }
};

struct coverage_report {
    coverage_counts partners;
    std::map<std::string, coverage_counts> by_tag;
    coverage_counts own;
    session_coverage sessions;
};

/// Partners (role "partner") count in `partners` and their tags; own domains in `own`. The
/// sessions come from the inbound summaries of our own domains.
coverage_report compute_coverage(const std::vector<domain_facts_summary>& domains,
                                 const std::vector<inbound_summary>& inbound);

/// The sessions of received reports counted the same way, by policy type (sts, tlsa,
/// no-policy-found, ...) and overall, without tying them to one of our domains: what
/// `mxprobe coverage` sums per day from the history store.
struct reported_sessions {
    session_coverage sessions;
    std::map<std::string, tlsrpt_counts> policy_types;
};
reported_sessions sum_reported_sessions(const std::vector<tlsrpt_report>& reports);

void to_json(nlohmann::json& j, const session_coverage& s);
void to_json(nlohmann::json& j, const coverage_counts& c);
void to_json(nlohmann::json& j, const coverage_report& c);

} // namespace policy
