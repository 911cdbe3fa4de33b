#pragma once
// `mxprobe matrix [TARGETS.yaml]`: the compatibility matrix — scan results (run now, read
// with --scan, or the latest stored in the history store) joined with received TLS-RPT
// reports and checked against our requirements, with a what-if for --require.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"
#include "tools/mxprobe/scan_engine.hpp"

#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace mxprobe {

struct matrix_arguments {
    std::string targets;
    std::vector<std::string> scans;   ///< --scan FILE (json or jsonl), repeatable
    std::vector<std::string> reports; ///< --reports PATH, repeatable
    std::string require;              ///< --require k=v,...
    std::string format;               ///< table (default), json, csv, markdown, html
    std::string output;
    std::string db;            ///< --db FILE: the history store to read instead of scanning
    std::string since = "30d"; ///< stored reports from this far back
    bool quiet = false;
    probe_cli_options probe;
};

CLI::App* add_matrix_command(CLI::App& app, matrix_arguments& arguments);

exit_status run_matrix_command(const matrix_arguments& arguments, const global_options& options);

/// Applies "min_version=TLSv1.3,forward_secrecy=true,..." to `base`; throws
/// std::invalid_argument naming the bad key or value.
policy::outbound_requirements parse_requirements(const std::string& text,
                                                 policy::outbound_requirements base);

} // namespace mxprobe
