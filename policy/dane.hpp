#pragma once
// SMTP DANE (RFC 7672, with RFC 6698 / 7671): which TLSA records of `_25._tcp.<host>` a
// sender may use, whether the chain the server presented matches them, and the RFC 8460
// result types a DANE sender would report. Pure: the lookup outcome and the chain come in as
// plain data and `now` is a parameter. Rule IDs (DANE-n) refer to STANDARDS.md §5.

#include "policy/host_verdict.hpp"
#include "probe/session_result.hpp"
#include "resolver/records.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

/// The TLSA lookup reduced to what DANE needs (RFC 7672 §2.1.1). The caller maps the
/// resolver's answer onto it; policy/ cannot include the resolver's lookup header (Asio).
enum class tlsa_lookup_state {
    not_looked_up, ///< nobody asked (e.g. `--no-dane`)
    records,       ///< NOERROR with TLSA records
    no_records,    ///< NODATA or NXDOMAIN
    bogus,         ///< SERVFAIL: for a validating resolver, a DNSSEC failure (DANE-12)
    failed,        ///< timeout, refused, unreachable or unreadable: no answer at all
};

std::string_view to_string(tlsa_lookup_state s);

struct tlsa_lookup {
    std::string name; ///< `_25._tcp.<host>` (DANE-7)
    tlsa_lookup_state state = tlsa_lookup_state::not_looked_up;
    bool authenticated = false; ///< AD bit on every response of the chain (DANE-6)
    std::vector<resolver::tlsa_record> records;
    std::string detail; ///< the resolver's status text or error, for people
};

/// How DANE stands for the host, from the lookup alone (DANE-11, DANE-12).
enum class dane_status {
    not_looked_up,      ///< no TLSA lookup was made
    lookup_failed,      ///< the resolver gave no answer: DANE unknown, not judged
    insecure_addresses, ///< the host's A/AAAA answer was not DNSSEC-secure (DANE-11)
    insecure,           ///< the TLSA answer was not DNSSEC-secure: DANE does not apply
    no_records,         ///< secure or not, no TLSA RRset: DANE does not apply
    dnssec_invalid,     ///< SERVFAIL on the TLSA lookup: a DANE sender must not deliver
    applies,            ///< secure TLSA RRset: STARTTLS mandatory, authentication if usable
};

std::string_view to_string(dane_status s);

/// One TLSA record as judged: usable or why not, and what it matched.
struct tlsa_record_verdict {
    resolver::tlsa_record record;
    bool usable = false;
    std::string unusable_reason; ///< empty when usable
    bool matched = false;        ///< matched a certificate of the presented chain
    int matched_depth = -1;      ///< chain index of that certificate (0 = leaf)
    std::string rejection;       ///< a DANE-TA match that did not authenticate, and why
};

struct dane_options {
    bool required = false;                ///< local policy: DANE is mandatory (DANE-20)
    std::optional<bool> addresses_secure; ///< AD bit of the host's A/AAAA; unknown with --ip
};

struct dane_verdict {
    dane_status status = dane_status::not_looked_up;
    std::string tlsa_name;
    bool tlsa_secure = false; ///< a DNSSEC-validated answer (records or denial)
    std::vector<tlsa_record_verdict> records;
    int usable = 0;             ///< usable records after digest agility (DANE-5, DANE-13)
    bool matched = false;       ///< some usable record matched the presented chain
    bool authenticated = false; ///< matched, and DANE-TA's name and date checks passed
    /// RFC 8460 result types a DANE sender would report; empty when DANE passes or does not
    /// apply.
    std::vector<std::string> result_types;
    std::string detail; ///< one line for people: why this outcome
    /// True when a compliant sender's outcome for this host is decided by DANE rather than
    /// by WebPKI validation: a secure TLSA RRset, a bogus TLSA lookup, or DANE required
    /// (DANE-12, DANE-20, DANE-21, STANDARDS NOTE-2).
    [[nodiscard]] bool decides() const;
};

/// Evaluates DANE for one session against the TLSA lookup. DANE-EE(3) records match the
/// leaf only, with no name or date checks (DANE-15); DANE-TA(2) records match any
/// certificate of the chain as presented that the leaf chains up to by signature, and then
/// the MX name and every date on that path must hold (DANE-16, DANE-17).
dane_verdict evaluate_dane(const tlsa_lookup& lookup, const probe::session_result& session,
                           std::chrono::system_clock::time_point now,
                           const dane_options& options = {});

/// Folds the DANE verdict into the host verdict. When DANE decides, the effective result
/// types become DANE's (plus the session failures that come before any certificate), and
/// WebPKI certificate findings are kept but lowered to warnings when DANE authenticated the
/// host: they matter only to senders that validate with WebPKI. DANE's own failures are
/// added as findings. `result_types` itself (the WebPKI view) is never changed.
void apply_dane(const dane_verdict& dane, host_verdict& verdict);

void to_json(nlohmann::json& j, const tlsa_record_verdict& r);
void to_json(nlohmann::json& j, const dane_verdict& v);

} // namespace policy
