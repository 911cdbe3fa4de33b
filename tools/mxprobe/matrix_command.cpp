#include "tools/mxprobe/matrix_command.hpp"

#include "policy/time_text.hpp"
#include "tools/mxprobe/history_store.hpp"
#include "tools/mxprobe/matrix_html.hpp"
#include "tools/mxprobe/matrix_input.hpp"
#include "tools/mxprobe/matrix_render.hpp"
#include "tools/mxprobe/report_store.hpp"
#include "tools/mxprobe/store_location.hpp"
#include "tools/mxprobe/target_selection.hpp"
#include "tools/mxprobe/text_style.hpp"
#include "tools/mxprobe/tlsrpt_ingest.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <unistd.h>

#include <CLI/CLI.hpp>

namespace mxprobe {

namespace {

bool parse_bool(const std::string& key, const std::string& v) {
    if (v == "true" || v == "yes" || v == "on" || v == "1") {
        return true;
    }
    if (v == "false" || v == "no" || v == "off" || v == "0") {
        return false;
    }
    throw std::invalid_argument("--require " + key + "=" + v + ": expected true or false");
}

// Runs the scan the matrix needs and keeps each domain as its JSON contract says it.
std::vector<policy::domain_facts_summary>
scan_now(const targets_file& file, const matrix_arguments& a, const global_options& g) {
    scan_run_options run;
    run.defaults = apply_cli(file.defaults, g, a.probe);
    run.progress = !a.quiet && isatty(STDERR_FILENO) == 1;
    run.label = "matrix scan";
    std::vector<scan_item> items = select_targets(file, {}, shard{});
    run.total = items.size();
    std::size_t next = 0;
    std::vector<policy::domain_facts_summary> out;
    const scan_run_result result = run_scan(
        run,
        [&]() -> std::optional<scan_item> {
            if (next >= items.size()) {
                return std::nullopt;
            }
            return std::move(items[next++]);
        },
        [&](domain_report&& r) {
            out.push_back(facts_from_domain_json(domain_to_json(r), r.facts.domain));
        });
    if (result.interrupted) {
        throw std::runtime_error("the scan was interrupted; no matrix written");
    }
    return out;
}

struct loaded_reports {
    std::vector<policy::tlsrpt_report> reports; ///< free of duplicates
    report_inputs inputs;
};

// A stored mxprobe/domain/1 document, read as a file would be.
policy::domain_facts_summary stored_facts(const history_store& store,
                                          const stored_domain_result& r) {
    const std::string where =
        "history store " + store.path() + ": " + r.domain + " at " + policy::iso8601_utc(r.at);
    return facts_from_domain_text(r.document, where);
}

// The latest stored result of every target (of every stored domain without a targets
// file). Targets never stored are named on stderr and left out of the matrix.
std::vector<policy::domain_facts_summary> from_store(const history_store& store,
                                                     const targets_file* file) {
    std::set<std::string> wanted;
    if (file != nullptr) {
        for (const auto& t : file->all_targets()) {
            wanted.insert(t.domain);
        }
    }
    std::vector<policy::domain_facts_summary> out;
    for (const auto& r : store.latest_results()) {
        if (file != nullptr && wanted.erase(r.domain) == 0) {
            continue;
        }
        out.push_back(stored_facts(store, r));
    }
    if (!wanted.empty()) {
        std::string names;
        for (const auto& d : wanted) {
            names += (names.empty() ? "" : ", ") + d;
        }
        std::cerr << "mxprobe matrix: " << wanted.size() << " target(s) with no stored result in "
                  << store.path() << ", left out: " << names << "\n";
    }
    return out;
}

// Reports from files (read by the one report reader) and, with a store, the stored ones of
// the period; each report once, a file's copy of a stored one counted as a duplicate.
loaded_reports gather_reports(const std::vector<std::string>& paths, const history_store* store,
                              std::int64_t since, std::int64_t now) {
    loaded_reports out;
    std::set<std::pair<std::string, std::string>> seen;
    if (store != nullptr) {
        auto stored = load_stored_reports(*store, since, now);
        out.inputs.errors = std::move(stored.errors);
        for (auto& r : stored.reports) {
            seen.emplace(r.organization_name, r.report_id);
            out.reports.push_back(std::move(r));
        }
    }
    if (!paths.empty()) {
        tlsrpt_ingest_options options;
        options.keep_reports = true;
        auto ingest = ingest_tlsrpt(paths, options);
        out.inputs.files = ingest.files;
        out.inputs.duplicates = ingest.duplicates.size();
        for (auto& e : ingest.errors) {
            out.inputs.errors.emplace_back(std::move(e.file), std::move(e.message));
        }
        for (auto& r : ingest.reports) {
            if (seen.emplace(r.organization_name, r.report_id).second) {
                out.reports.push_back(std::move(r));
            } else {
                ++out.inputs.duplicates;
            }
        }
    }
    out.inputs.reports = out.reports.size();
    return out;
}

exit_status matrix_status(const matrix& m) {
    bool warning = false;
    for (const auto& r : m.rows) {
        switch (r.outbound.state) {
        case policy::compatibility::incompatible:
            if (r.facts.role == "partner") {
                return exit_status::critical;
            }
            warning = true;
            break;
        case policy::compatibility::partial:
        case policy::compatibility::unknown:
            warning = true;
            break;
        case policy::compatibility::compatible:
        case policy::compatibility::no_mail:
            break;
        }
        warning = warning || (r.inbound && r.inbound->failures > 0);
    }
    return warning ? exit_status::warning : exit_status::ok;
}

} // namespace

policy::outbound_requirements parse_requirements(const std::string& text,
                                                 policy::outbound_requirements q) {
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        start = end + 1;
        if (item.empty()) {
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string::npos) {
            throw std::invalid_argument("--require '" + item + "': expected key=value");
        }
        const std::string key = item.substr(0, eq);
        const std::string value = item.substr(eq + 1);
        if (key == "min_version") {
            if (value != "TLSv1" && value != "TLSv1.1" && value != "TLSv1.2" &&
                value != "TLSv1.3") {
                throw std::invalid_argument("--require min_version=" + value +
                                            ": expected TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3");
            }
            q.min_version = value;
        } else if (key == "forward_secrecy") {
            q.require_forward_secrecy = parse_bool(key, value);
        } else if (key == "valid_certificate") {
            q.require_valid_certificate = parse_bool(key, value);
        } else if (key == "mta_sts") {
            q.honour_mta_sts = parse_bool(key, value);
        } else if (key == "dane") {
            q.honour_dane = parse_bool(key, value);
        } else if (key == "forbidden_ciphers") {
            q.forbidden_ciphers.clear();
            std::size_t s = 0;
            while (s <= value.size()) {
                const std::size_t e = std::min(value.find(':', s), value.size());
                if (e > s) {
                    q.forbidden_ciphers.push_back(value.substr(s, e - s));
                }
                s = e + 1;
            }
        } else {
            throw std::invalid_argument("--require: unknown key '" + key +
                                        "' (known: min_version, forward_secrecy, "
                                        "valid_certificate, forbidden_ciphers, mta_sts, dane)");
        }
    }
    return q;
}

CLI::App* add_matrix_command(CLI::App& app, matrix_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "matrix", "The compatibility matrix: every partner's MX checked against our outbound "
                  "requirements, received TLS-RPT failures explained by probe evidence, coverage "
                  "figures, and a what-if for --require");
    cmd->add_option("targets", a.targets, "targets.yaml (default: ./targets.yaml)");
    cmd->add_option("--scan", a.scans,
                    "scan results written by `mxprobe scan --format json|jsonl` (repeatable); "
                    "without it the matrix scans the targets now (or reads the history store)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--reports", a.reports,
                    "TLS-RPT reports: files or folders, read recursively (repeatable; default: "
                    "the targets file's tlsrpt.folders, or none with a history store)");
    cmd->add_option("--db", a.db,
                    "history store: the latest stored result of each target instead of a "
                    "scan, and the stored TLS-RPT reports (default: the targets file's db, "
                    "when it exists)");
    cmd->add_option("--since", a.since,
                    "stored reports from this period: 30d (default), 12h, or a date 2026-11-01");
    cmd->add_option("--require", a.require,
                    "what-if requirements, e.g. min_version=TLSv1.3,forward_secrecy=true "
                    "(also valid_certificate, forbidden_ciphers=RC4:DES-CBC3, mta_sts, dane)");
    cmd->add_option("--format", a.format,
                    "table (default), json, csv, markdown, or html (one self-contained page)")
        ->check(CLI::IsMember({"table", "json", "csv", "markdown", "html"}));
    cmd->add_option("-o,--output", a.output, "write to FILE instead of standard output");
    cmd->add_flag("-q,--quiet", a.quiet, "no progress line while scanning");
    add_probe_cli_options(*cmd, a.probe);
    return cmd;
}

exit_status run_matrix_command(const matrix_arguments& a, const global_options& g) {
    const std::string targets = a.targets.empty() ? "targets.yaml" : a.targets;
    std::optional<targets_file> file;
    if (!a.targets.empty() || std::filesystem::exists(targets)) {
        try {
            file = load_targets(targets);
        } catch (const std::exception& e) {
            std::cerr << "mxprobe matrix: " << e.what() << "\n";
            return exit_status::unknown;
        }
    }
    if (!file && a.scans.empty() && a.db.empty()) {
        std::cerr << "mxprobe matrix: no targets file (give one, or --scan FILE, or --db FILE)\n";
        return exit_status::unknown;
    }
    // The targets file's store counts only when it exists: a matrix never creates one, and
    // without history it scans as it always did.
    std::optional<std::string> db = requested_store(a.db, file ? &*file : nullptr);
    if (db && a.db.empty() && !std::filesystem::exists(*db)) {
        db.reset();
    }
    std::optional<history_store> store;
    const std::int64_t now = unix_now();
    std::int64_t since = 0;
    try {
        since = parse_since(a.since, now);
        if (db) {
            store.emplace(*db, store_open::existing);
        }
    } catch (const std::exception& e) {
        std::cerr << "mxprobe matrix: " << e.what() << "\n";
        return exit_status::unknown;
    }
    const policy::outbound_requirements requirements =
        file ? file->requirements : policy::outbound_requirements{};
    std::optional<policy::outbound_requirements> what_if;
    if (!a.require.empty()) {
        what_if = parse_requirements(a.require, requirements);
    }

    std::vector<policy::domain_facts_summary> domains;
    try {
        if (a.scans.empty() && store) {
            domains = from_store(*store, file ? &*file : nullptr);
        } else if (a.scans.empty()) {
            domains = scan_now(*file, a, g);
        } else {
            for (const auto& path : a.scans) {
                auto more = load_scan_file(path);
                domains.insert(domains.end(), std::make_move_iterator(more.begin()),
                               std::make_move_iterator(more.end()));
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "mxprobe matrix: " << e.what() << "\n";
        return exit_status::unknown;
    }
    if (file) {
        // targets.yaml decides who is ours and who a partner, whatever the scan file says,
        // and the rows follow its order (a scan writes domains as they finish).
        const auto targets_list = file->all_targets();
        std::map<std::string, std::size_t> position;
        for (std::size_t i = 0; i < targets_list.size(); ++i) {
            position.emplace(targets_list[i].domain, i);
        }
        for (auto& d : domains) {
            if (const auto it = position.find(d.domain); it != position.end()) {
                const auto& t = targets_list[it->second];
                d.role = t.role;
                d.name = t.name;
                d.tags = t.tags;
            }
        }
        std::stable_sort(domains.begin(), domains.end(), [&](const auto& x, const auto& y) {
            const auto px = position.find(x.domain);
            const auto py = position.find(y.domain);
            return (px == position.end() ? position.size() : px->second) <
                   (py == position.end() ? position.size() : py->second);
        });
    }
    const std::vector<std::string> report_paths = !a.reports.empty() || store ? a.reports
                                                  : file                      ? file->tlsrpt_folders
                                                         : std::vector<std::string>{};
    loaded_reports reports;
    try {
        reports = gather_reports(report_paths, store ? &*store : nullptr, since, now);
    } catch (const std::exception& e) {
        std::cerr << "mxprobe matrix: " << e.what() << "\n";
        return exit_status::unknown;
    }

    const matrix m = build_matrix(std::move(domains), requirements, what_if, reports.reports,
                                  std::move(reports.inputs), std::chrono::system_clock::now());
    const std::string format = a.format.empty() ? (g.json ? "json" : "table") : a.format;
    std::string text;
    if (format == "json") {
        text = matrix_to_json(m).dump(2) + "\n";
    } else if (format == "csv") {
        text = matrix_to_csv(m);
    } else if (format == "markdown") {
        text = matrix_to_markdown(m);
    } else if (format == "html") {
        text = matrix_to_html(matrix_to_json(m));
    } else {
        text = matrix_to_table(m, a.output.empty() && use_colour(STDOUT_FILENO));
    }
    if (a.output.empty()) {
        std::cout << text;
    } else {
        std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) {
            std::cerr << "mxprobe matrix: cannot write " << a.output << "\n";
            return exit_status::unknown;
        }
    }
    return matrix_status(m);
}

} // namespace mxprobe
