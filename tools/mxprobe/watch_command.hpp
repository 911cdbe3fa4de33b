#pragma once
// `mxprobe watch [TARGETS.yaml]`: the long-running monitor. Scans each schedule group when it
// is due (resuming the schedule from the history store after a restart), re-reads the
// TLS-RPT folders for new reports, stores everything, raises and resolves alerts once each,
// and serves Prometheus metrics. SIGTERM/SIGINT stop it within seconds; SIGHUP reloads
// targets.yaml (a bad file keeps the old one and says why).

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"
#include "tools/mxprobe/scan_engine.hpp"

#include <string>

#include <CLI/App.hpp>

namespace mxprobe {

struct watch_arguments {
    std::string targets;
    std::string db;
    std::string metrics; ///< IP:PORT to serve /metrics on; empty: no metrics server
    std::string alerts_jsonl;
    std::string webhook;
    std::string alert_command;
    bool once = false;                ///< scan every group once, then exit (cron, tests)
    std::string reports_every = "1m"; ///< how often the TLS-RPT folders are re-read
    probe_cli_options probe;
};

CLI::App* add_watch_command(CLI::App& app, watch_arguments& arguments);

exit_status run_watch_command(const watch_arguments& arguments, const global_options& options);

} // namespace mxprobe
