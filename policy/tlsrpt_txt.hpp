#pragma once
// The TLS-RPT policy record published at `_smtp._tls.<policy-domain>` (RFC 8460 §3,
// STANDARDS RPT-1..RPT-9): where a sender should mail or POST its daily report.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

/// A `rua=` entry we cannot send reports to, and why.
struct tlsrpt_rejected_uri {
    std::string uri;
    std::string reason;
};

struct tlsrpt_record {
    std::vector<std::string> rua;              ///< usable destinations: mailto: and https:
    std::vector<tlsrpt_rejected_uri> rejected; ///< malformed or unusable `rua=` entries
    std::vector<std::pair<std::string, std::string>> extensions; ///< ignored, but kept (RPT-7)
    std::vector<std::string> warnings; ///< defects that still parse (RPT-9)
};

struct tlsrpt_txt_result {
    bool valid = false;
    std::string error;    ///< why the record is not usable; empty when valid
    tlsrpt_record record; ///< what could be read, also when invalid
};

/// True when `txt` claims to be a TLSRPTv1 record: `v=TLSRPTv1` followed by the end, `;` or
/// whitespace. This is the RPT-5 filter, widened to accept `v=TLSRPTv1 ;` (RPT-9).
bool is_tlsrpt_record(std::string_view txt);

/// Parses one TXT record (its strings already joined without spaces, RPT-6).
tlsrpt_txt_result parse_tlsrpt_txt(std::string_view txt);

/// Applies RPT-5 to every TXT record found at `_smtp._tls.<domain>`: records that are not
/// TLSRPTv1 are ignored; none, or more than one, means the domain has no TLS-RPT.
tlsrpt_txt_result select_tlsrpt_txt(const std::vector<std::string>& txts);

void to_json(nlohmann::json& j, const tlsrpt_rejected_uri& r);
void to_json(nlohmann::json& j, const tlsrpt_record& r);
void to_json(nlohmann::json& j, const tlsrpt_txt_result& r);

} // namespace policy
