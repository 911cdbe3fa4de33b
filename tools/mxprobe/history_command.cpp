#include "tools/mxprobe/history_command.hpp"

#include "tools/mxprobe/coverage_timeline.hpp"
#include "tools/mxprobe/domain_history.hpp"
#include "tools/mxprobe/store_location.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace mxprobe {

namespace {

void add_store_options(CLI::App& cmd, std::string& since, std::string& db, std::string& targets) {
    cmd.add_option("--since", since,
                   "the period: 30d (default), 12h, 1d12h, or from a date (2026-11-01)");
    cmd.add_option("--db", db,
                   "the history store (default: the targets file's db, or mxprobe.db beside it)");
    cmd.add_option("--targets", targets,
                   "targets.yaml whose store to read (default: ./targets.yaml when present)");
}

} // namespace

CLI::App* add_history_command(CLI::App& app, history_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "history", "What changed when for one domain: every stored scan with its verdict, "
                   "result types and what differs from the scan before (TLS versions, "
                   "certificates, STARTTLS, MTA-STS, DANE), and the alerts of the period");
    cmd->add_option("domain", a.domain, "the mail domain")->required();
    add_store_options(*cmd, a.since, a.db, a.targets);
    return cmd;
}

CLI::App* add_coverage_command(CLI::App& app, coverage_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "coverage", "The compliance report over time: per UTC day, the share of partners "
                    "reachable with validated encryption, opportunistic only, failing or "
                    "unknown (overall and per tag), and of the sessions reported by TLS-RPT");
    add_store_options(*cmd, a.since, a.db, a.targets);
    cmd->add_option("--format", a.format, "table (default), json or csv")
        ->check(CLI::IsMember({"table", "json", "csv"}));
    cmd->add_option("--tag", a.tags, "only partners with this tag (repeatable: any of them)");
    return cmd;
}

exit_status run_history_command(const history_arguments& a, const global_options& g) {
    const std::int64_t now = unix_now();
    try {
        const std::int64_t since = parse_since(a.since, now);
        const std::string domain = normalise_domain(a.domain);
        const history_store store(store_to_read(a.db, a.targets), store_open::existing);
        const domain_history h = load_history(store, domain, since, now);
        if (g.json) {
            std::cout << history_to_json(h).dump(2) << "\n";
        } else {
            std::cout << history_to_text(h, use_colour(STDOUT_FILENO));
        }
        if (h.entries.empty()) {
            std::cerr << "mxprobe history: no stored result for " << domain << " in "
                      << store.path() << " since " << a.since << "\n";
            return exit_status::unknown;
        }
        return exit_status::ok;
    } catch (const std::exception& e) {
        std::cerr << "mxprobe history: " << e.what() << "\n";
        return exit_status::unknown;
    }
}

exit_status run_coverage_command(const coverage_arguments& a, const global_options& g) {
    const std::int64_t now = unix_now();
    try {
        const std::int64_t since = parse_since(a.since, now);
        std::optional<targets_file> file;
        if (!a.targets.empty() || std::filesystem::exists("targets.yaml")) {
            file = load_targets(a.targets.empty() ? "targets.yaml" : a.targets);
        }
        const std::string path =
            !a.db.empty() ? a.db : (file ? default_store_path(*file) : std::string("mxprobe.db"));
        const history_store store(path, store_open::existing);
        const coverage_timeline t =
            build_coverage_timeline(store, file ? &*file : nullptr, a.tags, since, now);
        const std::string format = a.format.empty() ? (g.json ? "json" : "table") : a.format;
        if (format == "json") {
            std::cout << coverage_to_json(t).dump(2) << "\n";
        } else if (format == "csv") {
            std::cout << coverage_to_csv(t);
        } else {
            std::cout << coverage_to_table(t);
        }
        if (t.results == 0) {
            std::cerr << "mxprobe coverage: no stored scan result in " << store.path()
                      << " up to now\n";
            return exit_status::unknown;
        }
        return exit_status::ok;
    } catch (const std::exception& e) {
        std::cerr << "mxprobe coverage: " << e.what() << "\n";
        return exit_status::unknown;
    }
}

} // namespace mxprobe
