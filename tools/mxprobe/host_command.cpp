#include "tools/mxprobe/host_command.hpp"

#include "policy/dane.hpp"
#include "policy/host_verdict.hpp"
#include "policy/tlsa_lookup_mapping.hpp"
#include "probe/address_class.hpp"
#include "probe/enumerate.hpp"
#include "probe/smtp_session.hpp"
#include "probe/tls_context.hpp"
#include "resolver/lookup.hpp"
#include "tools/mxprobe/host_report.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <csignal>
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

struct host_outcome {
    std::optional<host_report> report;
    std::string error; ///< why nothing could be probed (bad name, no address, refused address)
};

probe::session_options session_options_from(const host_arguments& args, const global_options& g) {
    probe::session_options o;
    o.ehlo_name = args.ehlo.empty() ? default_ehlo_name() : args.ehlo;
    const auto step = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(g.timeout_seconds));
    o.timeouts.connect = step;
    o.timeouts.banner = step;
    o.timeouts.command = step;
    o.timeouts.handshake = step;
    o.timeouts.quit = std::min(step, std::chrono::milliseconds(2000));
    return o;
}

// The address to connect to: --ip, else the host's first IPv4 address, else its first IPv6.
// `secure` gets the AD bit of the answer used (DANE-11); it stays unknown with --ip.
asio::awaitable<std::optional<asio::ip::address>> async_pick_address(const host_arguments& args,
                                                                     const global_options& g,
                                                                     std::string& error,
                                                                     std::optional<bool>& secure) {
    boost::system::error_code ec;
    if (!args.ip.empty()) {
        auto ip = asio::ip::make_address(args.ip, ec);
        if (ec) {
            error = "--ip '" + args.ip + "' is not an IP address";
            co_return std::nullopt;
        }
        co_return ip;
    }
    resolver::channel channel(co_await asio::this_coro::executor, make_channel_options(g));
    for (auto* lookup : {&resolver::async_a, &resolver::async_aaaa}) {
        const auto answer = co_await lookup(channel, args.host);
        if (answer.has_data()) {
            secure = answer.authenticated;
            co_return asio::ip::make_address(answer.records.front().address, ec);
        }
        if (answer.status != resolver::dns_status::nodata) {
            error = "cannot resolve " + args.host + ": " + std::string(to_string(answer.status)) +
                    (answer.detail.empty() ? "" : " (" + answer.detail + ")");
            co_return std::nullopt;
        }
    }
    error = args.host + " has no A or AAAA record";
    co_return std::nullopt;
}

// `_25._tcp.<host>` TLSA (DANE-7). Runs alongside the SMTP session, so a resolver that does
// not answer costs no time beyond the probe's own, and never stops the probe: a channel that
// cannot be set up is a failed lookup like any other.
asio::awaitable<policy::tlsa_lookup> async_lookup_tlsa(host_arguments args, global_options g) {
    std::string host = args.host;
    if (!host.empty() && host.back() == '.') {
        host.pop_back();
    }
    policy::tlsa_lookup out;
    out.name = "_25._tcp." + host;
    if (args.no_dane) {
        co_return out;
    }
    std::optional<resolver::channel> channel;
    try {
        channel.emplace(co_await asio::this_coro::executor, make_channel_options(g));
    } catch (const std::exception& e) {
        out.state = policy::tlsa_lookup_state::failed;
        out.detail = e.what();
        co_return out;
    }
    co_return policy::to_tlsa_lookup(co_await resolver::async_tlsa(*channel, out.name));
}

asio::awaitable<host_outcome> async_run_host(host_arguments args, global_options g,
                                             asio::ssl::context& tls) {
    host_outcome out;
    std::optional<bool> addresses_secure;
    const auto ip = co_await async_pick_address(args, g, out.error, addresses_secure);
    if (!ip) {
        co_return out;
    }
    if (const auto reason = probe::special_address_reason(*ip); reason && !args.allow_private) {
        out.error = "refusing to connect to " + ip->to_string() + ": " + *reason +
                    " address (use --allow-private to probe it anyway)";
        co_return out;
    }
    const asio::ip::tcp::endpoint endpoint(*ip, args.port);
    const probe::session_options options = session_options_from(args, g);
    host_report report;
    auto [session, tlsa] = co_await (probe::async_smtp_session(endpoint, args.host, options, tls) &&
                                     async_lookup_tlsa(args, g));
    report.probe = std::move(session);
    if (args.enumerate && report.probe.starttls_accepted) {
        report.enumeration = co_await probe::async_enumerate(endpoint, args.host, options);
    }
    const auto now = std::chrono::system_clock::now();
    report.verdict = policy::evaluate_host(report.probe, now);
    if (report.enumeration) {
        policy::judge_enumeration(*report.enumeration, report.verdict);
    }
    policy::dane_options dane_options;
    dane_options.required = args.require_dane;
    dane_options.addresses_secure = addresses_secure;
    report.dane = policy::evaluate_dane(tlsa, report.probe, now, dane_options);
    policy::apply_dane(report.dane, report.verdict);
    out.report = std::move(report);
    co_return out;
}

} // namespace

std::string default_ehlo_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    return name;
}

CLI::App* add_host_command(CLI::App& app, host_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "host", "Probe one mail host over STARTTLS: greeting, EHLO, TLS version and cipher, "
                "certificate chain, name and expiry, DANE against _25._tcp.HOST TLSA, and the "
                "RFC 8460 result types a validating sender would report");
    cmd->add_option("host", a.host, "MX host name (used for SNI and the certificate name check)")
        ->required();
    cmd->add_option("--ip", a.ip, "connect to this address instead of resolving HOST");
    cmd->add_option("--port", a.port, "TCP port")
        ->capture_default_str()
        ->check(CLI::Range(1, 65535));
    cmd->add_flag("--enumerate", a.enumerate,
                  "also find every accepted TLS version, cipher suite and key-exchange group "
                  "(one connection at a time)");
    cmd->add_option("--ca-file", a.ca_file, "PEM bundle of trusted roots (default: the system's)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--ehlo", a.ehlo, "name to send in EHLO (default: this machine's host name)");
    cmd->add_flag("--allow-private", a.allow_private,
                  "allow loopback, private and other special-purpose addresses");
    cmd->add_flag("--no-dane", a.no_dane, "do not look up _25._tcp.HOST TLSA (no DANE check)");
    cmd->add_flag("--require-dane", a.require_dane,
                  "DANE is mandatory for this host (RFC 7672 §6): without a DNSSEC-secure "
                  "usable TLSA RRset it fails with dane-required");
    return cmd;
}

exit_status run_host(const host_arguments& arguments, const global_options& options) {
    probe::tls_client_config config;
    config.ca_file = arguments.ca_file;
    asio::ssl::context tls = probe::make_tls_context(config);

    asio::io_context io;
    std::optional<host_outcome> outcome;
    std::exception_ptr failure;
    asio::co_spawn(io, async_run_host(arguments, options, tls),
                   [&](std::exception_ptr e, host_outcome result) {
                       failure = std::move(e);
                       outcome = std::move(result);
                   });
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    while (!outcome && !io.stopped()) {
        io.run_one();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!outcome) {
        std::cerr << "mxprobe host: interrupted\n";
        return exit_status::unknown;
    }
    if (!outcome->report) {
        std::cerr << "mxprobe host: " << outcome->error << "\n";
        return exit_status::unknown;
    }
    if (options.json) {
        // Servers choose the bytes of banners and records; invalid UTF-8 is replaced (U+FFFD)
        // rather than thrown as an error that would lose the whole document.
        std::cout << host_to_json(*outcome->report)
                         .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
    } else {
        std::cout << host_to_text(*outcome->report, use_colour(STDOUT_FILENO));
    }
    return host_exit_status(*outcome->report);
}

} // namespace mxprobe
