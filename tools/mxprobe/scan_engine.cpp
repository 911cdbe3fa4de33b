#include "tools/mxprobe/scan_engine.hpp"

#include "policy/domain_verdict.hpp"
#include "probe/scan_runner.hpp"
#include "probe/tls_context.hpp"
#include "resolver/channel.hpp"
#include "tools/mxprobe/host_command.hpp"
#include "tools/mxprobe/scan_progress.hpp"

#include <csignal>
#include <map>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>

namespace mxprobe {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

// Every connection is a file descriptor: take what the hard limit allows, and keep the
// connection cap below it with room for DNS sockets and files.
std::size_t connections_the_fd_limit_allows(std::size_t wanted) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return wanted;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            limit = raised;
        }
    }
    constexpr rlim_t reserve = 128;
    const rlim_t usable = limit.rlim_cur > 2 * reserve ? limit.rlim_cur - reserve : reserve;
    return std::min<std::size_t>(wanted, static_cast<std::size_t>(usable));
}

probe::domain_scan_options options_for(const scan_defaults& d, const target_overrides& o) {
    probe::domain_scan_options s;
    s.port = o.port.value_or(d.port);
    auto& session = s.host.session;
    session.ehlo_name = o.ehlo.value_or(d.ehlo.empty() ? default_ehlo_name() : d.ehlo);
    session.timeouts.connect = d.timeout;
    session.timeouts.banner = d.banner_timeout;
    session.timeouts.command = d.timeout;
    session.timeouts.handshake = d.timeout;
    session.timeouts.quit = std::min(d.timeout, milliseconds(2000));
    s.host.enumerate = o.enumerate.value_or(d.enumerate);
    s.host.retries = d.retries;
    s.host.retry_delay = d.retry_delay;
    s.host.slow_after = d.slow_after;
    s.host.allow_private = o.allow_private.value_or(d.allow_private);
    s.sts.deadline = std::max(d.timeout, milliseconds(1000));
    s.sts.allow_private = s.host.allow_private;
    s.ipv4 = d.ipv4;
    s.ipv6 = d.ipv6;
    return s;
}

resolver::channel_options dns_options(const scan_defaults& d) {
    global_options g;
    g.resolvers = d.resolvers;
    g.timeout_seconds = std::chrono::duration<double>(d.timeout).count();
    return make_channel_options(g);
}

} // namespace

asio::awaitable<scan_run_result> async_scan(scan_run_options options, item_source next,
                                            report_sink sink, const bool& stopping) {
    const scan_defaults& d = options.defaults;
    const auto started = std::chrono::steady_clock::now();
    scan_run_result result;
    auto ex = co_await asio::this_coro::executor;

    resolver::channel dns(ex, dns_options(d));
    probe::tls_client_config tls_config;
    tls_config.ca_file = d.ca_file;
    asio::ssl::context tls = probe::make_tls_context(tls_config);
    probe::budget_options budget_options;
    budget_options.max_active = d.concurrency;
    budget_options.max_connections =
        connections_the_fd_limit_allows(std::max(d.max_connections, d.concurrency));
    budget_options.per_ip = d.per_ip;
    budget_options.per_group = d.per_provider;
    budget_options.ip_spacing = d.ip_spacing;
    probe::probe_budget budget(ex, budget_options);
    probe::probe_cache cache(ex);
    const probe::provider_classifier providers;
    probe::scan_context context{dns, tls, budget, cache, providers};

    std::size_t next_index = 0;
    std::map<std::size_t, scan_item> in_flight; // who each running domain is
    probe::target_source source = [&]() -> std::optional<probe::scan_target> {
        if (stopping) {
            return std::nullopt;
        }
        auto item = next();
        if (!item) {
            return std::nullopt;
        }
        const std::size_t index = next_index++;
        probe::scan_target t{item->domain, index, options_for(d, item->overrides)};
        in_flight.emplace(index, std::move(*item));
        return t;
    };
    probe::facts_sink finished = [&](probe::domain_facts facts) {
        if (stopping) {
            return; // a domain cut short by the stop is not a result
        }
        auto it = in_flight.find(facts.index);
        domain_report report;
        policy::domain_options judge;
        judge.require_dane = d.require_dane;
        if (it != in_flight.end()) {
            report.meta = std::move(it->second.meta);
            judge.require_dane = it->second.overrides.require_dane.value_or(d.require_dane);
            in_flight.erase(it);
        }
        report.facts = std::move(facts);
        report.verdict =
            policy::evaluate_domain(report.facts, std::chrono::system_clock::now(), judge);
        ++result.domains;
        sink(std::move(report));
    };

    probe::scan_window window;
    window.in_flight = d.domains_in_flight != 0 ? d.domains_in_flight
                                                : std::max<std::size_t>(2 * d.concurrency, 16);
    window.waiting = d.domains_waiting.value_or(4 * window.in_flight);
    window.slow_after = d.slow_after;
    scan_progress progress(ex, options.progress, options.label, options.total, [&] {
        return progress_counts{result.domains, in_flight.size(), budget.active(),
                               budget.connections(), cache.probes_started()};
    });
    co_await probe::async_run_scan(context, source, finished, window);
    progress.finish();
    result.interrupted = stopping;
    result.probes = cache.probes_started();
    result.shared_probes = cache.shared_hits();
    result.elapsed =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    co_return result;
}

scan_run_result run_scan(const scan_run_options& options, const item_source& next,
                         const report_sink& sink) {
    asio::io_context io;
    bool stopping = false;
    std::optional<scan_run_result> result;
    std::exception_ptr failure;
    asio::co_spawn(io, async_scan(options, next, sink, stopping),
                   [&](std::exception_ptr e, scan_run_result r) {
                       failure = std::move(e);
                       result = r;
                       io.stop();
                   });
    // A signal stops the scan at once: what finished is already in the sink; what was in
    // flight is dropped with the io_context.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            stopping = true;
            io.stop();
        }
    });
    const auto started = std::chrono::steady_clock::now();
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!result) {
        scan_run_result interrupted;
        interrupted.interrupted = true;
        interrupted.elapsed =
            std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
        return interrupted;
    }
    return *result;
}

void add_probe_cli_options(CLI::App& cmd, probe_cli_options& o) {
    cmd.add_option("--port", o.port, "SMTP port (default 25, or defaults.port)")
        ->check(CLI::Range(1, 65535));
    cmd.add_flag("--enumerate", o.enumerate,
                 "also enumerate TLS versions, suites and groups of every MX address");
    cmd.add_option("--ca-file", o.ca_file, "PEM bundle of trusted roots (default: the system's)")
        ->check(CLI::ExistingFile);
    cmd.add_flag("--allow-private", o.allow_private,
                 "allow loopback, private and other special-purpose addresses");
    cmd.add_option("--ehlo", o.ehlo, "name to send in EHLO (default: this machine's host name)");
    auto* v4 = cmd.add_flag("--ipv4-only", o.ipv4_only, "probe IPv4 addresses only");
    auto* v6 = cmd.add_flag("--ipv6-only", o.ipv6_only, "probe IPv6 addresses only");
    v4->excludes(v6);
    cmd.add_option("--concurrency", o.concurrency, "probes doing work at once (default 500)")
        ->check(CLI::Range(1, 100000));
    cmd.add_option("--per-ip", o.per_ip, "connections at once to one IP address (default 1)")
        ->check(CLI::Range(1, 1000));
    cmd.add_option("--per-provider", o.per_provider,
                   "connections at once to one provider: registered domain or /24 (default 8)")
        ->check(CLI::Range(1, 1000000));
    cmd.add_option("--retries", o.retries,
                   "attempts after a 421 or a connection dropped at the greeting (default 2)")
        ->check(CLI::Range(0, 10));
    cmd.add_option("--retry-delay", o.retry_delay,
                   "wait before the first retry, doubled after each (default 30s)");
    cmd.add_flag("--require-dane", o.require_dane,
                 "DANE is mandatory: MX hosts without DNSSEC-secure usable TLSA fail with "
                 "dane-required");
}

scan_defaults apply_cli(scan_defaults d, const global_options& g, const probe_cli_options& c) {
    if (!g.resolvers.empty()) {
        d.resolvers = g.resolvers;
    }
    if (g.timeout_given) {
        d.timeout = std::chrono::duration_cast<milliseconds>(
            std::chrono::duration<double>(g.timeout_seconds));
        d.banner_timeout = d.timeout; // one number on the command line means every phase
    }
    if (c.port) {
        d.port = *c.port;
    }
    d.enumerate = d.enumerate || c.enumerate;
    if (!c.ca_file.empty()) {
        d.ca_file = c.ca_file;
    }
    d.allow_private = d.allow_private || c.allow_private;
    if (!c.ehlo.empty()) {
        d.ehlo = normalise_domain(c.ehlo);
    }
    if (c.ipv4_only) {
        d.ipv4 = true;
        d.ipv6 = false;
    }
    if (c.ipv6_only) {
        d.ipv4 = false;
        d.ipv6 = true;
    }
    if (c.concurrency) {
        d.concurrency = *c.concurrency;
    }
    if (c.per_ip) {
        d.per_ip = *c.per_ip;
    }
    if (c.per_provider) {
        d.per_provider = *c.per_provider;
    }
    if (c.retries) {
        d.retries = *c.retries;
    }
    if (!c.retry_delay.empty()) {
        d.retry_delay = parse_duration(c.retry_delay);
    }
    d.require_dane = d.require_dane || c.require_dane;
    return d;
}

} // namespace mxprobe
