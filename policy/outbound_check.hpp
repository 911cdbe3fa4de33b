#pragma once
// The outbound side of the compatibility matrix: could we send this partner mail under our
// own requirements (min TLS version, forward secrecy, forbidden suites, a valid certificate,
// honouring the partner's MTA-STS and DANE)? Per MX, every blocking reason is named; the
// partner is compatible when mail can flow over at least one MX. Pure: `now` is a parameter.

#include "policy/matrix_facts.hpp"
#include "policy/outbound_requirements.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

/// compatible: every checked MX passes; partial: some do (mail flows over those);
/// incompatible: none does; unknown: no MX could be checked; no-mail: null MX.
enum class compatibility { compatible, partial, incompatible, unknown, no_mail };

std::string_view to_string(compatibility c);

struct mx_outbound {
    std::string host;
    std::string ip;
    bool checked = false;
    bool compatible = false;
    std::vector<std::string> blocking; ///< why we could not send here under the requirements
    std::vector<std::string> notes;    ///< worth knowing, not blocking
    std::string weakest_version;
    std::string strongest_version;
    std::string weakest_cipher;
    std::string strongest_cipher;
    std::optional<std::int64_t> cert_days_left;
};

struct outbound_verdict {
    compatibility state = compatibility::unknown;
    bool compatible = false;           ///< state is compatible or partial
    std::vector<std::string> blocking; ///< every MX's reasons, each prefixed with the MX
    std::vector<mx_outbound> mx;
    std::map<std::string, bool> versions; ///< accepted anywhere (enumerated or negotiated)
    std::string ciphers_weakest;
    std::string ciphers_strongest;
    std::optional<std::int64_t> cert_days_left; ///< the soonest expiry among the MX hosts
    std::optional<std::string> mta_sts_mode;
    std::string dane; ///< "all", "partial", "none"
};

outbound_verdict check_outbound(const domain_facts_summary& facts,
                                const outbound_requirements& requirements,
                                std::chrono::system_clock::time_point now);

/// Days from `now` until `not_after`, rounded down (negative once past).
std::int64_t days_until(std::int64_t not_after, std::chrono::system_clock::time_point now);

void to_json(nlohmann::json& j, const mx_outbound& m);
void to_json(nlohmann::json& j, const outbound_verdict& v);

} // namespace policy
