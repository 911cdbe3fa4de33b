#pragma once
// `mxprobe scan [TARGETS.yaml]` and `mxprobe domain DOMAIN`: whole domains (MX, addresses, a
// probe per MX address, MTA-STS, TLS-RPT, DANE) judged the way senders see them.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"
#include "tools/mxprobe/scan_engine.hpp"

#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace mxprobe {

struct scan_arguments {
    std::string targets; ///< targets.yaml; empty: ./targets.yaml when --domains is not given
    std::string domains; ///< a file of domains, one per line
    std::string format;  ///< table, json, jsonl, csv; empty: table (json with --json)
    std::string output;  ///< -o FILE; empty: standard output
    std::string shard;   ///< "K/N"
    std::string db;      ///< --db FILE: store the scan in this history store
    std::vector<std::string> tags;
    bool quiet = false;
    probe_cli_options probe;
};

struct domain_arguments {
    std::string domain;
    probe_cli_options probe;
};

CLI::App* add_scan_command(CLI::App& app, scan_arguments& arguments);
CLI::App* add_domain_command(CLI::App& app, domain_arguments& arguments);

exit_status run_scan_command(const scan_arguments& arguments, const global_options& options);
exit_status run_domain_command(const domain_arguments& arguments, const global_options& options);

} // namespace mxprobe
