#include "policy/sts_fetch_verdict.hpp"

namespace policy {

std::optional<std::string> sts_fetch_result_type(probe::fetch_failure failure) {
    using probe::fetch_failure;
    switch (failure) {
    case fetch_failure::none:
        return std::nullopt;
    case fetch_failure::certificate:
    case fetch_failure::tls: // includes a server that cannot serve the SNI name
        return "sts-webpki-invalid";
    case fetch_failure::media_type:
        return "sts-policy-invalid";
    case fetch_failure::dns:
    case fetch_failure::address_refused:
    case fetch_failure::connect:
    case fetch_failure::timeout:
    case fetch_failure::http_status:
    case fetch_failure::redirect:
    case fetch_failure::too_large:
    case fetch_failure::protocol:
        return "sts-policy-fetch-error";
    }
    return "sts-policy-fetch-error";
}

} // namespace policy
