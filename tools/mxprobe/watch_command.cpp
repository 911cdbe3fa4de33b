#include "tools/mxprobe/watch_command.hpp"

#include "policy/alert_baseline.hpp"
#include "tools/mxprobe/alert_manager.hpp"
#include "tools/mxprobe/history_store.hpp"
#include "tools/mxprobe/matrix_input.hpp"
#include "tools/mxprobe/metrics_server.hpp"
#include "tools/mxprobe/metrics_text.hpp"
#include "tools/mxprobe/report_store.hpp"
#include "tools/mxprobe/store_location.hpp"
#include "tools/mxprobe/target_selection.hpp"
#include "tools/mxprobe/watch_schedule.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <limits>
#include <random>
#include <set>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mxprobe {

namespace asio = boost::asio;

namespace {

void log(const std::string& line) {
    std::cerr << "mxprobe watch: " << line << "\n";
}

policy::alert_thresholds thresholds_of(const targets_file& f) {
    policy::alert_thresholds t;
    t.cert_expiry_warning_days = f.alerts.cert_expiry_warning_days;
    t.cert_expiry_critical_days = f.alerts.cert_expiry_critical_days;
    t.failure_rate = f.alerts.failure_rate;
    t.min_sessions = f.alerts.min_sessions;
    return t;
}

// Everything the watch keeps between scans. One instance, alive for the whole run; the
// coroutines below take it by reference.
struct watch_state {
    const watch_arguments& args;
    const global_options& global;
    std::string targets_path;
    targets_file file;
    watch_schedule schedule;
    history_store& store;
    alert_sinks& sinks;
    alert_manager alerts;
    metrics_snapshot metrics;
    std::map<std::string, policy::domain_facts_summary> latest; ///< by domain
    /// Per domain, the latest facts of each MX address from a scan that checked it.
    std::map<std::string, std::vector<policy::mx_facts>> last_checked;

    void remember_checked(const policy::domain_facts_summary& facts) {
        auto& known = last_checked[facts.domain];
        for (const auto& m : facts.mx) {
            if (!m.checked) {
                continue;
            }
            std::erase_if(
                known, [&](const policy::mx_facts& k) { return k.host == m.host && k.ip == m.ip; });
            known.push_back(m);
        }
    }
    bool stopping = false;
    bool reload_requested = false;
    std::optional<std::int64_t> scanning; ///< the scan id in progress
    std::mt19937_64 random{std::random_device{}()};
    asio::steady_timer wake;

    watch_state(const watch_arguments& a, const global_options& g, std::string path, targets_file f,
                history_store& s, alert_sinks& k, const asio::any_io_executor& ex)
        : args(a), global(g), targets_path(std::move(path)), file(std::move(f)), schedule(file),
          store(s), sinks(k), alerts(s, k), wake(ex) {}

    void refresh_metrics() {
        metrics.domains.clear();
        for (const auto& [domain, facts] : latest) {
            metrics.domains.push_back(facts);
        }
        metrics.open_alerts = alerts.open_by_severity();
    }
};

void restore_schedule(watch_state& w) {
    const std::int64_t now = unix_now();
    for (const auto& g : w.schedule.groups()) {
        w.schedule.restore(g.name, w.store.next_due(g.name), now);
    }
}

void count_report(metrics_snapshot& m, const policy::tlsrpt_report& r) {
    ++m.tlsrpt.reports;
    for (const auto& p : r.policies) {
        m.tlsrpt.sessions[{p.policy_domain, "success"}] += p.total_successful_session_count;
        m.tlsrpt.sessions[{p.policy_domain, "failure"}] += p.total_failure_session_count;
        for (const auto& f : p.failure_details) {
            m.tlsrpt
                .failures[{f.receiving_mx_hostname.value_or("(not reported)"), f.result_type}] +=
                f.failed_session_count;
        }
    }
}

// The TLS-RPT counters of /metrics, over every report the store holds.
void recount_reports(watch_state& w) {
    w.metrics.tlsrpt = {};
    const auto stored = load_stored_reports(w.store, 0, std::numeric_limits<std::int64_t>::max());
    for (const auto& r : stored.reports) {
        count_report(w.metrics, r);
    }
}

// What the store already knows, so metrics and comparisons pick up where the last run ended.
void load_history(watch_state& w) {
    for (const auto& r : w.store.latest_results()) {
        try {
            w.latest[r.domain] =
                facts_from_domain_json(nlohmann::json::parse(r.document), r.domain);
            w.remember_checked(w.latest[r.domain]);
        } catch (const std::exception& e) {
            log("ignoring the stored result of " + r.domain + ": " + e.what());
        }
    }
    for (const auto& s : w.store.scans_since(0)) {
        auto& g = w.metrics.groups[s.group];
        if (s.finished != 0) {
            ++g.scans;
            g.domains += static_cast<std::uint64_t>(s.domains);
            g.last_finished = std::max(g.last_finished, s.finished);
            g.last_duration_seconds = static_cast<double>(s.finished - s.started);
        }
    }
    recount_reports(w);
    w.refresh_metrics();
}

// New files in the TLS-RPT folders go into the store, each report once; files read before
// (same size and time) are not read again.
void ingest_reports(watch_state& w) {
    if (w.file.tlsrpt_folders.empty()) {
        return;
    }
    const stored_ingest in = ingest_into_store(w.store, w.file.tlsrpt_folders, true);
    for (const auto& e : in.ingest.errors) {
        log(e.file + ": " + e.message);
    }
    if (in.stored != 0) {
        log("stored " + std::to_string(in.stored) + " new TLS-RPT report(s)");
        recount_reports(w);
    }
}

// The failure rate each receiving MX of our own domains had over the alert window.
void evaluate_reports(watch_state& w) {
    const std::int64_t now = unix_now();
    const std::int64_t window =
        std::chrono::duration_cast<std::chrono::seconds>(w.file.alerts.failure_window).count();
    const std::vector<policy::tlsrpt_report> reports =
        load_stored_reports(w.store, now - window, now).reports;
    std::vector<policy::alert_condition> active;
    for (const auto& t : w.file.own_domains) {
        policy::domain_facts_summary own;
        if (const auto it = w.latest.find(t.domain); it != w.latest.end()) {
            own = it->second;
        }
        own.domain = t.domain;
        auto conditions = policy::tlsrpt_conditions(policy::summarise_inbound(own, reports),
                                                    thresholds_of(w.file));
        active.insert(active.end(), conditions.begin(), conditions.end());
    }
    w.alerts.apply(
        active, [](const stored_alert& a) { return a.kind == "tlsrpt-failure-rate"; }, now);
}

// One finished domain: stored at once, compared with its previous result, alerts updated.
void on_domain(watch_state& w, std::int64_t scan_id, domain_report&& report) {
    if (w.stopping && !w.scanning) {
        return; // the scan was closed by a stop signal; later results belong to no scan
    }
    const std::int64_t now = unix_now();
    const nlohmann::json document = domain_to_json(report);
    const std::string domain = document["domain"].get<std::string>();
    w.store.add_domain_result(scan_id, now, domain, report.meta.role,
                              std::string(policy::to_string(report.verdict.overall)),
                              document.dump());
    policy::domain_facts_summary facts = facts_from_domain_json(document, domain);
    std::optional<policy::domain_facts_summary> previous;
    if (const auto before = w.store.previous_result(domain, scan_id)) {
        try {
            previous = policy::comparison_baseline(
                facts_from_domain_json(nlohmann::json::parse(before->document), domain),
                w.last_checked[domain]);
        } catch (const std::exception& e) {
            log("cannot compare " + domain + " with its last result: " + e.what());
        }
    }
    const auto conditions = policy::domain_conditions(facts, previous, thresholds_of(w.file),
                                                      std::chrono::system_clock::now());
    // What this scan could not check keeps its open alerts: no news is not good news.
    const bool blind = policy::nothing_checked(facts);
    const std::set<std::string> unchecked = policy::unchecked_subjects(facts);
    w.alerts.apply(
        conditions,
        [&](const stored_alert& a) {
            return a.domain == domain && a.kind != "tlsrpt-failure-rate" && !blind &&
                   unchecked.count(a.subject) == 0;
        },
        now);
    w.remember_checked(facts);
    w.latest[domain] = std::move(facts);
}

asio::awaitable<void> async_scan_group(watch_state& w, std::string group) {
    const auto members = w.schedule.members(group);
    const auto started_at = unix_now();
    const auto raised_before = w.alerts.raised();
    const auto resolved_before = w.alerts.resolved();
    const std::int64_t scan_id = w.store.begin_scan(group, started_at);
    w.scanning = scan_id;
    scan_run_options run;
    run.defaults = apply_cli(w.file.defaults, w.global, w.args.probe);
    run.total = members.size();
    run.label = "watch " + group;
    const auto* schedule = &w.schedule.groups().front();
    for (const auto& g : w.schedule.groups()) {
        if (g.name == group) {
            schedule = &g;
        }
    }
    if (schedule->enumerate) {
        run.defaults.enumerate = *schedule->enumerate;
    }
    std::size_t next = 0;
    const scan_run_result result = co_await async_scan(
        run,
        [&]() -> std::optional<scan_item> {
            if (next >= members.size()) {
                return std::nullopt;
            }
            const auto& t = members[next++];
            return scan_item{t.domain, domain_meta{t.name, t.role, t.tags}, t.overrides};
        },
        [&](domain_report&& r) { on_domain(w, scan_id, std::move(r)); }, w.stopping);
    if (!w.scanning) {
        co_return; // a stop signal closed the scan as interrupted already
    }
    w.scanning.reset();
    const std::int64_t finished = unix_now();
    w.store.finish_scan(scan_id, finished, result.interrupted);
    if (result.interrupted) {
        co_return;
    }
    std::uniform_real_distribution<double> share(0.0, 1.0);
    w.store.set_next_due(group, w.schedule.reschedule(group, finished, share(w.random)));
    auto& stats = w.metrics.groups[group];
    ++stats.scans;
    stats.domains += result.domains;
    stats.last_duration_seconds = std::chrono::duration<double>(result.elapsed).count();
    stats.last_finished = finished;
    w.refresh_metrics();
    log("group " + group + ": " + std::to_string(result.domains) + " domain(s) in " +
        std::to_string(result.elapsed.count()) + " ms; " +
        std::to_string(w.alerts.raised() - raised_before) + " alert(s) raised, " +
        std::to_string(w.alerts.resolved() - resolved_before) + " resolved");
}

void reload(watch_state& w) {
    w.reload_requested = false;
    try {
        targets_file fresh = load_targets(w.targets_path);
        w.file = std::move(fresh);
        w.schedule = watch_schedule(w.file);
        restore_schedule(w);
        log("reloaded " + w.targets_path);
    } catch (const std::exception& e) {
        log("keeping the previous configuration: " + std::string(e.what()));
    }
}

asio::awaitable<void> async_watch(watch_state& w, std::chrono::milliseconds reports_every) {
    std::set<std::string> done_once;
    auto next_reports = std::chrono::steady_clock::now();
    while (!w.stopping) {
        if (w.reload_requested) {
            reload(w);
        }
        if (std::chrono::steady_clock::now() >= next_reports) {
            ingest_reports(w);
            evaluate_reports(w);
            w.refresh_metrics();
            next_reports = std::chrono::steady_clock::now() + reports_every;
        }
        const auto due = w.schedule.next();
        const std::int64_t now = unix_now();
        if (w.args.once && (!due || done_once.size() == w.schedule.groups().size())) {
            break;
        }
        if (due && (due->second <= now || w.args.once)) {
            if (w.args.once && done_once.count(due->first) != 0) {
                break;
            }
            co_await async_scan_group(w, due->first);
            done_once.insert(due->first);
            continue;
        }
        // Sleep until the next group is due or the reports are to be read again; a signal
        // cuts the sleep short.
        auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(
            next_reports - std::chrono::steady_clock::now());
        if (due) {
            sleep = std::min(sleep, std::chrono::milliseconds((due->second - now) * 1000));
        }
        w.wake.expires_after(std::max(sleep, std::chrono::milliseconds(10)));
        co_await w.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (w.args.once) {
        ingest_reports(w);
        evaluate_reports(w);
    }
}

} // namespace

CLI::App* add_watch_command(CLI::App& app, watch_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "watch", "Monitor continuously: scan each schedule group when due, store the history, "
                 "raise and resolve alerts once each, serve Prometheus metrics");
    cmd->add_option("targets", a.targets, "targets.yaml (default: ./targets.yaml)");
    cmd->add_option("--db", a.db,
                    "history store (default: the file's db, or mxprobe.db beside it)");
    cmd->add_option("--metrics", a.metrics, "serve Prometheus metrics on IP:PORT (/metrics)");
    cmd->add_option("--alerts-jsonl", a.alerts_jsonl,
                    "append alerts to FILE as JSON Lines (- for stdout)");
    cmd->add_option("--webhook", a.webhook, "POST each alert as JSON to URL (http or https)");
    cmd->add_option("--alert-command", a.alert_command,
                    "run CMD (with /bin/sh) for each alert, the alert JSON on its standard input");
    cmd->add_flag("--once", a.once, "scan every group once, store, alert, then exit");
    cmd->add_option("--reports-every", a.reports_every,
                    "how often the TLS-RPT folders are read again (default 1m)");
    add_probe_cli_options(*cmd, a.probe);
    return cmd;
}

exit_status run_watch_command(const watch_arguments& a, const global_options& g) {
    const std::string targets = a.targets.empty() ? "targets.yaml" : a.targets;
    std::optional<targets_file> file;
    std::chrono::milliseconds reports_every{60000};
    try {
        file = load_targets(targets);
        reports_every = parse_duration(a.reports_every);
    } catch (const std::exception& e) {
        std::cerr << "mxprobe watch: " << e.what() << "\n";
        return exit_status::unknown;
    }
    const std::string db = !a.db.empty() ? a.db : default_store_path(*file);
    asio::io_context io;
    std::optional<history_store> store;
    std::optional<alert_sinks> sinks;
    std::optional<metrics_server> metrics;
    try {
        store.emplace(db);
        alert_sink_settings s;
        s.jsonl = !a.alerts_jsonl.empty() ? a.alerts_jsonl : file->alerts.jsonl;
        s.webhook = !a.webhook.empty() ? a.webhook : file->alerts.webhook;
        s.command = !a.alert_command.empty() ? a.alert_command : file->alerts.command;
        sinks.emplace(io.get_executor(), s);
    } catch (const std::exception& e) {
        std::cerr << "mxprobe watch: " << e.what() << "\n";
        return exit_status::unknown;
    }
    watch_state w(a, g, targets, std::move(*file), *store, *sinks, io.get_executor());
    if (!a.metrics.empty()) {
        try {
            metrics.emplace(io.get_executor(), parse_listen_address(a.metrics),
                            [&w] { return metrics_text(w.metrics); });
            log("metrics on http://" + a.metrics + "/metrics");
        } catch (const std::exception& e) {
            std::cerr << "mxprobe watch: " << e.what() << "\n";
            return exit_status::unknown;
        }
    }
    load_history(w);
    restore_schedule(w);
    log("watching " + std::to_string(w.file.all_targets().size()) + " domain(s) in " +
        std::to_string(w.schedule.groups().size()) + " group(s); history in " + db);

    std::exception_ptr failure;
    asio::co_spawn(io, async_watch(w, reports_every), [&](std::exception_ptr e) {
        failure = std::move(e);
        // Let the sinks finish what they were given, then stop the loop.
        asio::co_spawn(io, sinks->async_drain(std::chrono::seconds(10)),
                       [&](const std::exception_ptr&) { io.stop(); });
    });
    asio::signal_set stop(io, SIGINT, SIGTERM);
    std::function<void(const boost::system::error_code&, int)> on_stop =
        [&](const boost::system::error_code& ec, int signal) {
            if (ec) {
                return;
            }
            log(std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
            w.stopping = true;
            if (w.scanning) {
                // What finished is committed; the rest of this scan is dropped as interrupted.
                w.store.finish_scan(*w.scanning, unix_now(), true);
                w.scanning.reset();
            }
            // Alerts already raised are in the store as open and will not be raised again,
            // so the ones still queued for a webhook or command get a short while to go out.
            asio::co_spawn(io, sinks->async_drain(std::chrono::seconds(3)),
                           [&](const std::exception_ptr&) { io.stop(); });
        };
    stop.async_wait(on_stop);
    asio::signal_set hangup(io, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_hup =
        [&](const boost::system::error_code& ec, int) {
            if (ec) {
                return;
            }
            w.reload_requested = true;
            w.wake.cancel();
            hangup.async_wait(on_hup);
        };
    hangup.async_wait(on_hup);
    io.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::cerr << "mxprobe watch: " << e.what() << "\n";
            return exit_status::unknown;
        }
    }
    return exit_status::ok;
}

} // namespace mxprobe
