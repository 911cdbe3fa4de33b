// mxprobe: active SMTP TLS probe and certificate monitor. This file only parses the command
// line, dispatches to a subcommand and turns failures into the UNKNOWN exit status.

#include "mxprobe_version.hpp"
#include "resolver/channel.hpp"
#include "tools/mxprobe/check_cert_command.hpp"
#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"
#include "tools/mxprobe/host_command.hpp"
#include "tools/mxprobe/resolve_command.hpp"

#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    using mxprobe::exit_status;
    CLI::App app{"mxprobe " MXPROBE_VERSION
                 " - is mail to and from each partner really encrypted, and if not, why?\n"
                 "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (could not check)."};
    app.set_version_flag("--version", "mxprobe " MXPROBE_VERSION);
    app.require_subcommand(1);
    // Global options may follow the subcommand: `mxprobe resolve example.com --json`.
    app.fallthrough();

    mxprobe::global_options options;
    mxprobe::add_global_options(app, options);
    mxprobe::resolve_arguments resolve_args;
    CLI::App* resolve = mxprobe::add_resolve_command(app, resolve_args);
    mxprobe::host_arguments host_args;
    CLI::App* host = mxprobe::add_host_command(app, host_args);
    mxprobe::check_cert_arguments check_cert_args;
    CLI::App* check_cert = mxprobe::add_check_cert_command(app, check_cert_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return static_cast<int>(exit_status::unknown);
    }

    try {
        resolver::library ares;
        exit_status status = exit_status::unknown;
        if (resolve->parsed()) {
            status = mxprobe::run_resolve(resolve_args, options);
        } else if (host->parsed()) {
            status = mxprobe::run_host(host_args, options);
        } else if (check_cert->parsed()) {
            status = mxprobe::run_check_cert(check_cert_args, options);
        }
        return static_cast<int>(status);
    } catch (const std::exception& e) {
        std::cerr << "mxprobe: " << e.what() << "\n";
        return static_cast<int>(exit_status::unknown);
    }
}
