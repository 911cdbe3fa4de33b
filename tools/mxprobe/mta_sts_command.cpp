#include "tools/mxprobe/mta_sts_command.hpp"

#include "policy/sts_coverage.hpp"
#include "policy/sts_outcome.hpp"
#include "policy/sts_verdict.hpp"
#include "probe/sts_discovery.hpp"
#include "probe/tls_context.hpp"
#include "resolver/channel.hpp"
#include "resolver/lookup.hpp"
#include "tools/mxprobe/mta_sts_report.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace mxprobe {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

std::string without_trailing_dot(std::string name) {
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    return name;
}

// Discovery and the MX lookup run side by side on one channel: the MX answer is needed
// only to compare with the policy, so it costs no time of its own.
asio::awaitable<mta_sts_report> async_check(std::string domain, probe::sts_discovery_options o,
                                            resolver::channel& dns, asio::ssl::context& tls) {
    auto [discovery, mx] = co_await (probe::async_discover_sts(dns, domain, o, tls) &&
                                     resolver::async_mx(dns, domain));
    mta_sts_report report;
    report.policy_port = o.port;
    report.outcome = policy::judge_sts_discovery(discovery.domain, discovery.txt, discovery.fetch);
    report.coverage = policy::check_sts_coverage(discovery.domain, mx, report.outcome.policy);
    report.verdict = policy::judge_sts(report.outcome, report.coverage);
    co_return report;
}

} // namespace

CLI::App* add_mta_sts_command(CLI::App& app, mta_sts_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "mta-sts", "Check DOMAIN's MTA-STS as a sender sees it: the _mta-sts TXT record, the "
                   "policy fetched from https://mta-sts.DOMAIN/.well-known/mta-sts.txt, the "
                   "RFC 8460 result type a sender would report, and whether the policy's mx "
                   "patterns cover every MX host");
    cmd->add_option("domain", a.domain, "mail domain, e.g. example.com")->required();
    cmd->add_option("--ca-file", a.ca_file,
                    "PEM bundle of trusted roots for the policy host (default: the system's)")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--allow-private", a.allow_private,
                  "allow the policy host on loopback, private and other special-purpose "
                  "addresses");
    cmd->add_option("--policy-port", a.policy_port,
                    "TCP port of the policy host; for test servers only (RFC 8461 fixes 443)")
        ->capture_default_str()
        ->check(CLI::Range(1, 65535));
    return cmd;
}

exit_status run_mta_sts(const mta_sts_arguments& arguments, const global_options& options) {
    const std::string domain = without_trailing_dot(arguments.domain);
    if (domain.empty()) {
        std::cerr << "mxprobe mta-sts: the domain is empty\n";
        return exit_status::unknown;
    }
    probe::tls_client_config config;
    config.ca_file = arguments.ca_file;
    asio::ssl::context tls = probe::make_tls_context(config);
    probe::sts_discovery_options o;
    o.port = arguments.policy_port;
    o.allow_private = arguments.allow_private;
    o.deadline = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(options.timeout_seconds));

    asio::io_context io;
    resolver::channel dns(io.get_executor(), make_channel_options(options));
    std::optional<mta_sts_report> report;
    std::exception_ptr failure;
    asio::co_spawn(io, async_check(domain, o, dns, tls),
                   [&](std::exception_ptr e, mta_sts_report r) {
                       failure = std::move(e);
                       report = std::move(r);
                   });
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    while (!report && !io.stopped()) {
        io.run_one();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!report) {
        std::cerr << "mxprobe mta-sts: interrupted\n";
        return exit_status::unknown;
    }
    if (options.json) {
        std::cout << mta_sts_to_json(*report).dump(2) << "\n";
    } else {
        const bool colour = isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
        std::cout << mta_sts_to_text(*report, colour);
    }
    return mta_sts_exit_status(*report);
}

} // namespace mxprobe
