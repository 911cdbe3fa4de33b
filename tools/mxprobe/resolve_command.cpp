#include "tools/mxprobe/resolve_command.hpp"

#include "resolver/mail_lookup.hpp"
#include "tools/mxprobe/resolve_render.hpp"

#include <csignal>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace mxprobe {

namespace asio = boost::asio;

CLI::App* add_resolve_command(CLI::App& app, resolve_arguments& arguments) {
    CLI::App* cmd = app.add_subcommand(
        "resolve", "Show what a sending MTA looks up in DNS for DOMAIN: MX hosts and their "
                   "addresses, _mta-sts and _smtp._tls TXT, _25._tcp TLSA, and the DNSSEC AD "
                   "bit of each answer");
    cmd->add_option("domain", arguments.domain, "mail domain, e.g. example.com")->required();
    return cmd;
}

exit_status run_resolve(const resolve_arguments& arguments, const global_options& options) {
    asio::io_context io;
    resolver::channel channel(io.get_executor(), make_channel_options(options));

    std::optional<resolver::mail_lookup> lookup;
    std::exception_ptr failure;
    asio::co_spawn(io, resolver::async_mail_lookup(channel, arguments.domain),
                   [&](std::exception_ptr e, resolver::mail_lookup result) {
                       failure = std::move(e);
                       lookup = std::move(result);
                   });
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            io.stop();
        }
    });
    // The signal wait keeps run() alive; stop as soon as the lookup is done.
    while (!lookup && !io.stopped()) {
        io.run_one();
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (!lookup) {
        std::cerr << "mxprobe resolve: interrupted\n";
        return exit_status::unknown;
    }
    if (options.json) {
        // Servers choose the bytes of banners and records; invalid UTF-8 is replaced (U+FFFD)
        // rather than thrown as an error that would lose the whole document.
        std::cout << resolve_to_json(*lookup).dump(2, ' ', false,
                                                   nlohmann::json::error_handler_t::replace)
                  << "\n";
    } else {
        std::cout << resolve_to_text(*lookup);
    }
    return resolve_exit_status(*lookup);
}

} // namespace mxprobe
