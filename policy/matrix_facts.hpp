#pragma once
// What the compatibility matrix knows of one scanned domain: a compact, plain reading of its
// `mxprobe/domain/1` document (tools/mxprobe/matrix_input reads it from a live scan or from a
// file written earlier), so the join and the requirement checks do not depend on how the
// scan was run.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace policy {

struct mx_facts {
    std::string host;
    std::string ip;
    std::uint16_t preference = 0;
    std::string verdict;  ///< "ok", "warning", "critical", "unknown" (host level)
    std::string status;   ///< the probe's status word, e.g. "success", "io_timeout"
    std::string error;    ///< the probe's error message when it failed
    bool checked = false; ///< the probe reached a verdict (not "could not check")
    bool rate_limited = false;
    bool starttls_offered = false;
    bool tls = false;    ///< a TLS session came up
    std::string version; ///< negotiated, e.g. "TLSv1.3"
    std::string cipher;  ///< negotiated, OpenSSL name
    bool forward_secrecy = false;
    /// From an enumeration, when one was made: accepted versions and suites per version.
    std::map<std::string, bool> versions;
    std::map<std::string, std::vector<std::string>> ciphers;
    bool enumerated = false;
    /// The enumeration ran to its end: the server did not stop answering (busy, gone) on
    /// the way, so a version or suite missing from it is one the server refused.
    bool enumeration_complete = false;
    std::optional<std::int64_t> cert_not_after; ///< leaf notAfter, Unix seconds
    std::optional<std::int64_t> cert_days_left; ///< as judged at probe time
    std::string cert_subject;
    std::string cert_sha256;     ///< of the leaf's DER, lower-case hex; empty without one
    std::string spki_sha256;     ///< of the leaf's SubjectPublicKeyInfo: the key, across renewals
    bool chain_complete = false; ///< the server sent every intermediate (false without a chain)
    bool missing_intermediate = false; ///< the server left out an intermediate the chain needs
    bool cert_trusted = false;
    bool hostname_match = false;
    /// Validating sender's view (WebPKI, or DANE where it decides), and the reportable one.
    std::vector<std::string> result_types;
    std::vector<std::string> reportable_result_types;
    std::string policy = "none"; ///< "dane", "sts" or "none"
    std::string dane_status;     ///< policy::dane_status word, e.g. "applies", "no_records"
    bool dane_authenticated = false;
    std::vector<std::string> dane_result_types;
    std::optional<bool> sts_compliant; ///< when an MTA-STS policy applies
    std::string sts_result_type;
    std::vector<std::pair<std::string, std::string>> findings; ///< (code, message)
};

struct domain_facts_summary {
    std::string domain;
    std::string name;
    std::string role = "partner"; ///< "partner" or "own"
    std::vector<std::string> tags;
    std::string verdict;
    std::string route; ///< policy::mail_route word
    std::vector<mx_facts> mx;
    std::optional<std::string> sts_mode; ///< when a valid policy was fetched
    std::string sts_id;
    std::optional<std::string> sts_result_type;
    std::string sts_error;
    std::optional<std::uint32_t> sts_max_age;
    /// The policy's content as one stable string, "mode=enforce;max_age=86400;mx=a,b" with
    /// the mx patterns lower-cased and sorted: equal exactly when the policy is the same,
    /// whatever order or case the file used. Empty without a valid policy.
    std::string sts_policy_fingerprint;
    std::optional<std::int64_t> sts_cert_not_after; ///< the policy host's certificate
    std::string sts_cert_sha256;                    ///< ... its leaf, lower-case hex
    std::string dane_status;                        ///< "all", "partial", "none"
    std::vector<std::string> result_types;
    std::vector<std::string> reportable_result_types;
};

} // namespace policy
