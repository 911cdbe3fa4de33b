#pragma once
// The names a candidate certificate must serve: the MX hosts of each domain (from its MX
// lookup) and the hosts given by hand, each covered by a subjectAltName under RFC 9525; and
// each of those hosts listed by an `mx` pattern of the domain's MTA-STS policy, since an
// enforce-mode sender skips an MX its policy does not name however good the certificate is
// (RFC 8461 §4.1, STS-32). Pure: lookups and the name verdicts come in as plain data.

#include "policy/candidate_check.hpp"
#include "policy/sts_outcome.hpp"
#include "probe/cert_info.hpp"
#include "resolver/mail_route.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace policy {

/// "mx": what the domain's MX lookup gives to check; `hosts` gets the MX host names.
check check_mail_route(const resolver::mail_lookup& route, std::vector<std::string>& hosts);

/// "name": the leaf covers `host`. `matched` is OpenSSL's RFC 9525 verdict for that name
/// (probe::verify_candidate); the evidence names the subjectAltName entry that covers it.
/// `role` says what the host is ("MX", "MTA-STS policy host").
check check_name(const probe::cert_info& leaf, const std::string& host, bool matched,
                 std::string_view role);

/// "mta-sts": each of `hosts` matches an `mx` pattern of the domain's policy (enforce: fail,
/// testing: warn). No policy, or mode none, is fine; a policy that cannot be fetched is a
/// warning (a fetch that timed out: unknown), since the names could not be compared.
check check_sts_patterns(const sts_outcome& sts, const std::vector<std::string>& hosts);

} // namespace policy
