#pragma once
// The MTA-STS discovery record at `_mta-sts.<domain>` (RFC 8461 §3.1, STANDARDS STS-1..STS-8):
// which TXT record counts, and whether it follows the grammar. Pure: the strings come from the
// resolver, already joined from their character-strings (STS-6).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace policy {

enum class sts_txt_status {
    valid,     ///< exactly one `v=STSv1` record, and it follows the grammar
    no_record, ///< no TXT record begins with `v=STSv1`: the domain has no MTA-STS
    several,   ///< more than one `v=STSv1` record: no usable record (STS-5)
    invalid,   ///< one `v=STSv1` record, but it breaks the grammar
};

std::string_view to_string(sts_txt_status s);

struct sts_txt_record {
    sts_txt_status status = sts_txt_status::no_record;
    std::string raw; ///< the record that was judged; empty for no_record and several
    std::string id;  ///< the policy id, set only when valid
    /// Extension fields in order of appearance: validated, otherwise ignored (STS-8).
    std::vector<std::pair<std::string, std::string>> extensions;
    /// Every record that begins with `v=STSv1`, so a `several` verdict can show them.
    std::vector<std::string> candidates;
    std::size_t discarded = 0; ///< TXT records at the name that are not MTA-STS records
    std::string error;         ///< what is wrong, for several and invalid; empty otherwise

    bool valid() const { return status == sts_txt_status::valid; }
};

/// Judges one record on its own: status is valid or invalid (a record that does not begin
/// with `v=STSv1` is invalid here, since the caller asked about this record in particular).
sts_txt_record parse_sts_txt_record(std::string_view record);

/// Judges the whole TXT RRset at `_mta-sts.<domain>`: records that do not begin with
/// `v=STSv1` are discarded, and exactly one must remain (RFC 8461 §3.1).
sts_txt_record parse_sts_txt(const std::vector<std::string>& txt_records);

void to_json(nlohmann::json& j, const sts_txt_record& r);

} // namespace policy
