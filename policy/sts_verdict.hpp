#pragma once
// The overall verdict on a domain's MTA-STS set-up as `mxprobe mta-sts` reports it: what a
// sender would fail on (critical), what needs the publisher's attention (warning), and what
// could not be checked (unknown). Pure: judges discovery and MX coverage already made.

#include "policy/finding.hpp"
#include "policy/sts_coverage.hpp"
#include "policy/sts_outcome.hpp"

#include <vector>

namespace policy {

struct sts_verdict {
    std::vector<finding> findings;
    severity overall = severity::ok; ///< worst of the findings; ok for a domain without MTA-STS
};

/// critical: a result type a sender reports for discovery (rows 15-17 of STANDARDS §7), or an
/// enforce policy that misses an MX host (enforce senders refuse that MX, STS-35).
/// warning: a `_mta-sts` record that is no usable record (row 18), a testing policy that
/// misses an MX (testing senders report it, STS-36), notes on the policy text, a null MX
/// beside a policy, no MX host at all. unknown: the TXT lookup failed, or the MX lookup
/// failed while a policy applies.
sts_verdict judge_sts(const sts_outcome& outcome, const sts_coverage& coverage);

} // namespace policy
