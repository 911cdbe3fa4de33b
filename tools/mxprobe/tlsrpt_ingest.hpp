#pragma once
// Reading many TLS-RPT report files into one aggregate: every file found, read within a size
// limit, parsed by policy::parse_tlsrpt_report and added once per (organization, report-id).
// Each problem names its file; parse errors also name the JSON path. The one reader of report
// files: `mxprobe tlsrpt`, `matrix` (keep_reports), and the history store (report_store.hpp,
// through the hooks) all read through it.

#include "policy/tlsrpt_aggregate.hpp"
#include "policy/tlsrpt_report.hpp"
#include "tools/mxprobe/input_files.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mxprobe {

/// Larger than any report a reporter sends (Google's are a few KiB); guards the reads. The
/// parser's own input limit (docs/limits.md), so an oversize file is refused unread.
inline constexpr std::size_t tlsrpt_max_file_bytes = policy::tlsrpt_limits{}.max_input;

struct tlsrpt_duplicate {
    std::string file;
    std::string same_as; ///< the file whose copy of the report was counted
};

struct tlsrpt_ingest {
    std::size_t files = 0;   ///< files read (or attempted)
    std::uint64_t bytes = 0; ///< bytes read from them
    policy::tlsrpt_aggregate aggregate;
    std::vector<input_problem> errors;  ///< unreadable or unparsable files, bad paths
    std::vector<input_problem> skipped; ///< not regular files, inside folders
    std::vector<tlsrpt_duplicate> duplicates;
    /// Quirks tolerated (policy::tlsrpt_report::notes), counted by text: the same quirk of
    /// one reporter repeats in every report it sends.
    std::map<std::string, std::uint64_t> notes;
    std::int64_t first_start = 0; ///< earliest date-range start of a counted report
    std::int64_t last_end = 0;    ///< latest date-range end of a counted report
    /// The counted reports themselves, with keep_reports.
    std::vector<policy::tlsrpt_report> reports;
};

struct tlsrpt_ingest_options {
    std::size_t max_file_bytes = tlsrpt_max_file_bytes;
    policy::tlsrpt_limits limits;
    bool keep_reports = false;
    /// A file it returns true for is left out: not read, not counted, not named.
    std::function<bool(const std::string& file)> skip_file;
    /// Each counted report (not a duplicate of one counted before in this run), with its
    /// file and its JSON text as received.
    std::function<void(const std::string& file, const policy::tlsrpt_report& report,
                       const std::string& json_text)>
        on_report;
    /// Each file that was read whole, whatever it held (after on_report for its report).
    std::function<void(const std::string& file)> on_file_read;
};

tlsrpt_ingest ingest_tlsrpt(const std::vector<std::string>& paths,
                            const tlsrpt_ingest_options& options = {});

} // namespace mxprobe
