#pragma once
// What a sender concludes from MTA-STS discovery (RFC 8461 §3, STANDARDS §7 rows 15-18): the
// TXT record as judged, the policy as parsed, and the RFC 8460 result type a sender would
// report when discovery fails. Pure: the TXT answer and the fetched response are plain data.

#include "policy/mta_sts_policy.hpp"
#include "policy/mta_sts_txt.hpp"
#include "probe/https_response.hpp"
#include "resolver/answer.hpp"

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace policy {

struct sts_outcome {
    std::string domain;
    resolver::dns_status txt_status = resolver::dns_status::error;
    bool txt_secure = false; ///< AD bit on the TXT answer
    sts_txt_record txt;      ///< the RRset judged by RFC 8461 §3.1
    bool fetched = false;    ///< an HTTPS fetch was made
    std::string policy_host; ///< `mta-sts.<domain>`
    std::optional<probe::https_response> fetch;
    std::optional<sts_policy> policy; ///< parsed whenever a 200 body arrived, valid or not
    /// RFC 8460 result type a sender reports: set only when the TXT record is valid and the
    /// fetch or the policy fails (rows 15-17). A domain without a usable TXT record has no
    /// policy and nothing to report (row 18), even when its policy host serves something.
    std::optional<std::string> result_type;
    /// Why discovery did not yield an applicable policy; empty when it did or when the domain
    /// publishes no MTA-STS at all.
    std::string error;

    /// A valid TXT record and a valid policy: senders apply it (in its mode).
    [[nodiscard]] bool has_policy() const;
};

/// Judges discovery: the TXT answer's strings and status, and the fetch when one was made.
sts_outcome judge_sts_discovery(const std::string& domain, const resolver::txt_answer& txt,
                                const std::optional<probe::https_response>& fetch);

void to_json(nlohmann::json& j, const sts_outcome& o);

} // namespace policy
