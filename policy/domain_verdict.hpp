#pragma once
// Judging one scanned domain: every (MX host, IP) under the policy a compliant sender applies
// to it (DANE where it decides, else MTA-STS in enforce or testing mode, else none), the
// MTA-STS discovery and per-MX evaluation, the TLS-RPT record, and the domain's own findings
// (no such domain, null MX, no address, MX hosts the probe could not check). Pure.

#include "policy/dane.hpp"
#include "policy/finding.hpp"
#include "policy/host_verdict.hpp"
#include "policy/mta_sts_match.hpp"
#include "policy/sts_outcome.hpp"
#include "policy/tlsrpt_txt.hpp"
#include "probe/domain_facts.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace policy {

/// The mail route as a sender sees it (RFC 5321 §5.1, RFC 7505).
enum class mail_route {
    mx,          ///< MX hosts with addresses
    implicit_mx, ///< no MX RRset; the domain's own address is the mail host
    null_mx,     ///< `0 .`: the domain accepts no mail
    nxdomain,    ///< the domain does not exist
    no_address,  ///< MX hosts, but none has an address (or no MX and no address)
    dns_failure, ///< the MX lookup did not answer: nothing can be said
};

std::string_view to_string(mail_route r);

struct domain_options {
    host_thresholds thresholds;
    bool require_dane = false; ///< local policy: DANE is mandatory for this domain (DANE-20)
};

struct host_evaluation {
    std::string host;
    std::string ip;
    std::uint16_t preference = 0;
    std::shared_ptr<const probe::host_probe_result> probe;
    host_verdict verdict; ///< WebPKI view, with DANE folded in where it decides
    dane_verdict dane;
    /// "dane", "sts" or "none": the policy a compliant sender applies to this MX.
    std::string policy = "none";
    /// What a sender applying `policy` reports in TLS-RPT for this MX (RFC 8460 §4.3):
    /// DANE's types, MTA-STS's per-MX type, or under no policy only what an opportunistic
    /// sender notices (no STARTTLS, a failed handshake; STANDARDS NOTE-4).
    std::vector<std::string> reportable_result_types;
    /// The MTA-STS view of this MX when a policy applies.
    std::optional<sts_mx_result> sts;
};

struct domain_verdict {
    mail_route route = mail_route::dns_failure;
    std::vector<host_evaluation> hosts;
    sts_outcome sts;
    std::optional<sts_evaluation>
        sts_check; ///< the evaluation, when discovery yielded a valid policy
    tlsrpt_txt_result tlsrpt;
    bool tlsrpt_published = false; ///< some `_smtp._tls` TXT record claims TLSRPTv1
    std::vector<finding> findings; ///< about the domain as a whole
    /// What a validating sender (WebPKI, or DANE where it decides) reports for some MX, plus
    /// MTA-STS discovery and per-MX failures: the union, sorted.
    std::vector<std::string> result_types;
    /// What senders honouring only the domain's published policies report: the union of the
    /// hosts' reportable types and the discovery failure.
    std::vector<std::string> reportable_result_types;
    severity overall = severity::ok;
};

domain_verdict evaluate_domain(const probe::domain_facts& facts,
                               std::chrono::system_clock::time_point now,
                               const domain_options& options = {});

void to_json(nlohmann::json& j, mail_route r);

} // namespace policy
