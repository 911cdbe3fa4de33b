#pragma once
// Which RFC 8460 result type a sender reports when fetching an MTA-STS policy fails
// (STANDARDS §7 rows 15-17).

#include "probe/https_response.hpp"

#include <optional>
#include <string>

namespace policy {

/// "sts-webpki-invalid" for certificate and TLS failures of the policy host,
/// "sts-policy-invalid" for a wrong media type, "sts-policy-fetch-error" for the rest,
/// nothing when the fetch succeeded.
std::optional<std::string> sts_fetch_result_type(probe::fetch_failure failure);

} // namespace policy
