// libFuzzer target: the MTA-STS TXT record (policy/mta_sts_txt). The whole input is judged as
// one record, and its lines as the TXT RRset of `_mta-sts.<domain>`.

#include "policy/mta_sts_txt.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mxprobe_fuzz::require;
using policy::sts_txt_status;

void check_record(const policy::sts_txt_record& r) {
    if (r.valid()) {
        require(r.error.empty(), "a valid record carries an error");
        require(!r.id.empty() && r.id.size() <= 32, "a valid record needs an id of 1-32 chars");
        for (char c : r.id) {
            const bool alnum =
                (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            require(alnum, "id with a character other than a letter or digit");
        }
        require(r.raw.rfind("v=STSv1", 0) == 0, "a valid record not beginning with v=STSv1");
    } else if (r.status != sts_txt_status::no_record) {
        require(!r.error.empty(), "an unusable record without an error");
        require(r.id.empty() && r.extensions.empty(), "an invalid record keeps fields");
    }
    (void)mxprobe_fuzz::dumped(r);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = mxprobe_fuzz::as_text(data, size);
    const policy::sts_txt_record one = policy::parse_sts_txt_record(text);
    require(one.status == sts_txt_status::valid || one.status == sts_txt_status::invalid,
            "a single record is either valid or invalid");
    check_record(one);

    const std::vector<std::string> rrset = mxprobe_fuzz::split_lines(text);
    const policy::sts_txt_record all = policy::parse_sts_txt(rrset);
    check_record(all);
    require(all.candidates.size() + all.discarded == rrset.size(),
            "every TXT record is either a candidate or discarded");
    require((all.status == sts_txt_status::several) == (all.candidates.size() > 1),
            "several iff more than one candidate");
    require((all.status == sts_txt_status::no_record) == all.candidates.empty(),
            "no_record iff no candidate");
    if (all.candidates.size() == 1) {
        const policy::sts_txt_record alone = policy::parse_sts_txt_record(all.candidates.front());
        require(alone.status == all.status && alone.id == all.id,
                "the RRset verdict differs from the verdict on its one record");
    }
    return 0;
}
