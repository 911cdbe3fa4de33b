#pragma once
// `mxprobe history DOMAIN` and `mxprobe coverage`: reading the history store (written by
// `scan --db`, `tlsrpt --db` and `watch`). Neither creates a store.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"

#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace mxprobe {

struct history_arguments {
    std::string domain;
    std::string since = "30d";
    std::string db;
    std::string targets; ///< whose store to read when --db is not given
};

struct coverage_arguments {
    std::string since = "30d";
    std::string db;
    std::string targets; ///< decides who is a target, and their roles and tags
    std::string format;  ///< table (default), json, csv
    std::vector<std::string> tags;
};

CLI::App* add_history_command(CLI::App& app, history_arguments& arguments);
CLI::App* add_coverage_command(CLI::App& app, coverage_arguments& arguments);

exit_status run_history_command(const history_arguments& arguments, const global_options& options);
exit_status run_coverage_command(const coverage_arguments& arguments,
                                 const global_options& options);

} // namespace mxprobe
