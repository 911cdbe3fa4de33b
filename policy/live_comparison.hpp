#pragma once
// The candidate against what a host presents today (`check-cert --live`): the same key or a
// new one (which matters to DANE `3 1 1` records and to key pinning), subjectAltName names
// gained or lost (a lost name may still be in use), and whether the expiry moves forward.

#include "policy/candidate_check.hpp"
#include "probe/cert_info.hpp"

#include <string>
#include <vector>

namespace policy {

struct live_view {
    std::string host;
    std::string endpoint;                ///< "[ip]:port" that was connected to, for messages
    std::vector<probe::cert_info> chain; ///< as presented, leaf first; empty when none was seen
    std::string error;                   ///< why no chain was seen
};

/// "live" for one host. No chain seen: unknown (could not compare). Names lost or an
/// earlier expiry: warn. Otherwise ok.
check compare_with_live(const live_view& live, const probe::cert_info& candidate_leaf);

} // namespace policy
