#pragma once
// What changed for one domain between two scans, from the plain facts of each
// (matrix_facts): the verdict, the mail route and RFC 8460 result types, MX addresses coming
// and going, and per MX address its probe status, STARTTLS, TLS version, accepted versions
// (when both scans enumerated), certificate, key, chain and DANE; for the domain its MTA-STS
// mode, id, policy and policy-host certificate, and DANE coverage. Pure: `mxprobe history`
// lists these; change detection for alerts can use the same comparisons.

#include "policy/matrix_facts.hpp"

#include <string>
#include <vector>

namespace policy {

struct fact_change {
    /// verdict, route, result-type-gained, result-type-lost, mx-added, mx-removed, address,
    /// probe, starttls, tls-version, tls-version-gained, tls-version-lost, certificate, key, chain,
    /// mx-dane, mta-sts-mode, mta-sts-id, mta-sts-policy, mta-sts-certificate, dane
    std::string what;
    std::string host; ///< the MX host, for changes of one MX address (and mx-added/removed)
    std::string ip;
    std::string from; ///< empty: nothing before (a certificate's from/to are its sha256)
    std::string to;   ///< empty: nothing now
    std::string text; ///< one line for people
};

/// In a fixed order: domain-wide changes first, then each MX address in the newer scan's
/// order, then the addresses that went away. An address is compared with the same (host,
/// IP) of the older scan, else with an unpaired old address of the same host (an "address"
/// change first: the host moved).
std::vector<fact_change> diff_facts(const domain_facts_summary& before,
                                    const domain_facts_summary& after);

} // namespace policy
