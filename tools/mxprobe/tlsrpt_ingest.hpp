#pragma once
// Reading many TLS-RPT report files into one aggregate (`mxprobe tlsrpt`): every file found,
// read within a size limit, parsed by policy::parse_tlsrpt_report and added once per
// (organization, report-id). Each problem names its file; parse errors also name the JSON path.

#include "policy/tlsrpt_aggregate.hpp"
#include "policy/tlsrpt_report.hpp"
#include "tools/mxprobe/input_files.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mxprobe {

/// Larger than any report a reporter sends (Google's are a few KiB); guards the reads.
inline constexpr std::size_t tlsrpt_max_file_bytes = std::size_t{32} * 1024 * 1024;

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
};

struct tlsrpt_ingest_options {
    std::size_t max_file_bytes = tlsrpt_max_file_bytes;
    policy::tlsrpt_limits limits;
};

tlsrpt_ingest ingest_tlsrpt(const std::vector<std::string>& paths,
                            const tlsrpt_ingest_options& options = {});

} // namespace mxprobe
