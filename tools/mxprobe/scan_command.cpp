#include "tools/mxprobe/scan_command.hpp"

#include "tools/mxprobe/history_store.hpp"
#include "tools/mxprobe/scan_output.hpp"
#include "tools/mxprobe/store_location.hpp"
#include "tools/mxprobe/target_selection.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <CLI/CLI.hpp>

namespace mxprobe {

namespace {

// `scan --db`: the scan in the history store, each domain committed as it finishes. A store
// that fails mid-scan is reported once; the scan and its output go on, the exit status is 3.
class scan_recorder {
  public:
    explicit scan_recorder(const std::string& path)
        : store_(path), scan_id_(store_.begin_scan("scan", unix_now())) {}

    void add(const domain_report& r) {
        if (failed_) {
            return;
        }
        try {
            store_.add_domain_result(scan_id_, unix_now(), r.facts.domain, r.meta.role,
                                     std::string(policy::to_string(r.verdict.overall)),
                                     domain_to_json(r).dump());
        } catch (const store_error& e) {
            fail(e);
        }
    }

    /// Marks the scan finished; false when storing failed at some point.
    bool finish(bool interrupted) {
        if (!failed_) {
            try {
                store_.finish_scan(scan_id_, unix_now(), interrupted);
            } catch (const store_error& e) {
                fail(e);
            }
        }
        return !failed_;
    }

  private:
    void fail(const store_error& e) {
        failed_ = true;
        std::cerr << "mxprobe scan: " << e.what() << " (nothing more is stored for this scan)\n";
    }

    history_store store_;
    std::int64_t scan_id_;
    bool failed_ = false;
};

} // namespace

CLI::App* add_scan_command(CLI::App& app, scan_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "scan", "Scan every domain of a targets file (or a list): MX, a STARTTLS probe per MX "
                "address (each once per scan), MTA-STS, TLS-RPT and DANE, with rate limits");
    cmd->add_option("targets", a.targets, "targets.yaml (default: ./targets.yaml)");
    cmd->add_option("--domains", a.domains,
                    "scan the domains in FILE (one per line, # comments) instead of the "
                    "targets file's; its defaults still apply when one is given")
        ->check(CLI::ExistingFile);
    cmd->add_option("--format", a.format, "table (default), json, jsonl or csv")
        ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
    cmd->add_option("-o,--output", a.output, "write the results to FILE instead of stdout");
    cmd->add_option("--shard", a.shard,
                    "K/N: scan only this worker's stable share (hash of the domain) of N");
    cmd->add_option("--tag", a.tags, "only targets with this tag (repeatable: any of them)");
    cmd->add_flag("-q,--quiet", a.quiet, "no progress line on standard error");
    cmd->add_option("--db", a.db,
                    "store the scan in this history store, each domain as it finishes "
                    "(default: the targets file's db, when it has one)");
    add_probe_cli_options(*cmd, a.probe);
    return cmd;
}

CLI::App* add_domain_command(CLI::App& app, domain_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "domain", "The whole picture of one domain: MX, every MX address probed, MTA-STS policy "
                  "and its evaluation, TLS-RPT, DANE, and the RFC 8460 result types");
    cmd->add_option("domain", a.domain, "the mail domain")->required();
    add_probe_cli_options(*cmd, a.probe);
    return cmd;
}

exit_status run_scan_command(const scan_arguments& a, const global_options& g) {
    std::optional<targets_file> file;
    std::string targets = a.targets;
    if (targets.empty() && a.domains.empty()) {
        targets = "targets.yaml";
        if (!std::filesystem::exists(targets)) {
            std::cerr << "mxprobe scan: no targets file given and no ./targets.yaml (give one, "
                         "or --domains FILE)\n";
            return exit_status::unknown;
        }
    }
    if (!targets.empty()) {
        try {
            file = load_targets(targets);
        } catch (const std::exception& e) {
            std::cerr << "mxprobe scan: " << e.what() << "\n";
            return exit_status::unknown;
        }
    }
    const shard s = a.shard.empty() ? shard{} : parse_shard(a.shard);
    scan_run_options run;
    run.defaults = apply_cli(file ? file->defaults : scan_defaults{}, g, a.probe);
    run.progress = !a.quiet && isatty(STDERR_FILENO) == 1;

    std::vector<scan_item> listed;
    std::optional<domain_list_reader> reader;
    std::size_t position = 0;
    item_source next;
    if (!a.domains.empty()) {
        reader.emplace(a.domains, s);
        run.total = reader->total();
        next = [&] { return reader->next(); };
    } else {
        listed = select_targets(*file, a.tags, s);
        run.total = listed.size();
        next = [&]() -> std::optional<scan_item> {
            if (position >= listed.size()) {
                return std::nullopt;
            }
            return std::move(listed[position++]);
        };
    }

    const scan_format format =
        parse_scan_format(a.format.empty() ? (g.json ? "json" : "table") : a.format);
    std::ofstream file_out;
    if (!a.output.empty()) {
        file_out.open(a.output, std::ios::binary | std::ios::trunc);
        if (!file_out) {
            std::cerr << "mxprobe scan: cannot write " << a.output << "\n";
            return exit_status::unknown;
        }
    }
    std::optional<scan_recorder> recorder;
    if (const auto db = requested_store(a.db, file ? &*file : nullptr)) {
        try {
            recorder.emplace(*db);
        } catch (const store_error& e) {
            std::cerr << "mxprobe scan: " << e.what() << "\n";
            return exit_status::unknown;
        }
    }
    std::ostream& out = a.output.empty() ? std::cout : file_out;
    scan_writer writer(out, format, a.output.empty() && use_colour(STDOUT_FILENO));
    writer.begin();
    scan_run_result result;
    try {
        result = run_scan(run, next, [&](domain_report&& r) {
            writer.add(r.facts.index, r);
            if (recorder) {
                recorder->add(r);
            }
        });
    } catch (...) {
        if (recorder) {
            recorder->finish(true);
        }
        throw;
    }
    writer.end(result);
    const bool stored = !recorder || recorder->finish(result.interrupted);
    if (!out) {
        std::cerr << "mxprobe scan: writing the results failed\n";
        return exit_status::unknown;
    }
    if (result.interrupted) {
        std::cerr << "mxprobe scan: interrupted after " << result.domains
                  << " domain(s); those are written, the rest were not scanned\n";
    }
    if (reader && reader->rejected() > 0) {
        std::cerr << "mxprobe scan: " << reader->rejected() << " line(s) of " << a.domains
                  << " skipped (see above)\n";
    }
    if (!stored) {
        return exit_status::unknown;
    }
    return scan_exit_status(writer.verdicts(), result.interrupted);
}

exit_status run_domain_command(const domain_arguments& a, const global_options& g) {
    scan_run_options run;
    run.defaults = apply_cli(scan_defaults{}, g, a.probe);
    run.total = 1;
    run.label = "domain";
    scan_item item;
    item.domain = normalise_domain(a.domain);
    item.meta.name = item.domain;
    bool given = false;
    std::optional<domain_report> report;
    const scan_run_result result = run_scan(
        run,
        [&]() -> std::optional<scan_item> {
            if (given) {
                return std::nullopt;
            }
            given = true;
            return item;
        },
        [&](domain_report&& r) { report = std::move(r); });
    if (!report || result.interrupted) {
        std::cerr << "mxprobe domain: interrupted\n";
        return exit_status::unknown;
    }
    if (g.json) {
        std::cout << domain_to_json(*report).dump(2) << "\n";
    } else {
        std::cout << domain_to_text(*report, use_colour(STDOUT_FILENO));
    }
    return domain_exit_status(*report);
}

} // namespace mxprobe
