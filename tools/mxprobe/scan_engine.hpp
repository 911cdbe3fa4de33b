#pragma once
// Runs a scan for `mxprobe scan` and `mxprobe domain`: one io_context, one DNS channel, one
// TLS context (the trust store loaded once), one politeness budget and one probe cache for
// the whole run; domains are pulled from a source as slots free up and every finished domain
// is judged and handed to a sink at once. SIGINT/SIGTERM stop it cleanly: no new domain is
// started, and the run returns what is done.

#include "tools/mxprobe/domain_report.hpp"
#include "tools/mxprobe/global_options.hpp"
#include "tools/mxprobe/targets_file.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace mxprobe {

/// One domain to scan, with who it is and what it may change for itself.
struct scan_item {
    std::string domain;
    domain_meta meta;
    target_overrides overrides;
};

using item_source = std::function<std::optional<scan_item>()>;
using report_sink = std::function<void(domain_report&&)>;

struct scan_run_options {
    scan_defaults defaults; ///< targets.yaml defaults with the command line applied
    std::size_t total = 0;  ///< domains the source will give, for progress; 0 if unknown
    bool progress = false;  ///< a progress line on standard error
    std::string label = "scan";
};

struct scan_run_result {
    std::size_t domains = 0;       ///< domains finished and handed to the sink
    bool interrupted = false;      ///< a signal stopped the run early
    std::size_t probes = 0;        ///< (MX host, IP) probes run
    std::size_t shared_probes = 0; ///< probes another domain of the scan reused
    std::chrono::milliseconds elapsed{0};
};

/// The scan as a coroutine on the caller's executor (`mxprobe watch` runs it beside its
/// metrics server). Once `stopping` turns true no domain is started and none is handed to the
/// sink any more. Throws std::runtime_error for set-up failures (unreadable CA file, bad
/// resolver).
boost::asio::awaitable<scan_run_result> async_scan(scan_run_options options, item_source next,
                                                   report_sink sink, const bool& stopping);

/// The same on its own io_context, stopped by SIGINT/SIGTERM (counted as interrupted).
scan_run_result run_scan(const scan_run_options& options, const item_source& next,
                         const report_sink& sink);

/// The command-line settings shared by `scan` and `domain`; unset ones leave the file's.
struct probe_cli_options {
    std::optional<std::uint16_t> port;
    bool enumerate = false;
    std::string ca_file;
    bool allow_private = false;
    std::string ehlo;
    bool ipv4_only = false;
    bool ipv6_only = false;
    std::optional<std::size_t> concurrency;
    std::optional<std::size_t> per_ip;
    std::optional<std::size_t> per_provider;
    std::optional<int> retries;
    std::string retry_delay;
    bool require_dane = false;
};

/// Registers the options above on a subcommand.
void add_probe_cli_options(CLI::App& command, probe_cli_options& options);

/// `defaults` with the global options (--resolver, --timeout) and `cli` applied: the command
/// line wins over the file. Throws std::invalid_argument for contradictions.
scan_defaults apply_cli(scan_defaults defaults, const global_options& global,
                        const probe_cli_options& cli);

} // namespace mxprobe
