#pragma once
// An MX the probe could not reach says nothing about its certificate, its TLS or its
// result types — neither that a problem is gone nor that something changed. These two
// functions keep an outage (a server down, busy or unreachable for a scan or two) from
// resolving the alerts that were open and from raising them again, as "changes", once the
// server is back.

#include "policy/matrix_facts.hpp"

#include <set>
#include <string>
#include <vector>

namespace policy {

/// What a new scan of a domain is compared with: `previous`, except that each MX address
/// `previous` could not check is taken from `last_checked` (the latest facts of addresses
/// that were checked), and the RFC 8460 result types those carried are counted again.
domain_facts_summary comparison_baseline(domain_facts_summary previous,
                                         const std::vector<mx_facts>& last_checked);

/// The alert subjects of `d` its scan could not confirm or clear: every MX address not
/// checked ("host [ip]"), and every MX host none of whose addresses was checked.
std::set<std::string> unchecked_subjects(const domain_facts_summary& d);

/// True when the scan checked nothing at all and could not tell why (DNS failed, every MX
/// unreachable): none of the domain's open alerts may be resolved by it.
bool nothing_checked(const domain_facts_summary& d);

} // namespace policy
