#pragma once
// Received TLS-RPT reports for the matrix and the history store: every file under the given
// paths parsed (JSON, gzip or email), each report kept once per (organization, report-id),
// and every file that could not be read named with its reason.

#include "policy/tlsrpt_report.hpp"
#include "tools/mxprobe/matrix_build.hpp"

#include <string>
#include <vector>

namespace mxprobe {

struct loaded_reports {
    std::vector<policy::tlsrpt_report> reports; ///< free of duplicates
    report_inputs inputs;
};

loaded_reports load_reports(const std::vector<std::string>& paths);

} // namespace mxprobe
