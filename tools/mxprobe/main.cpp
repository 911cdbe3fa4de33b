// mxprobe: active SMTP TLS probe and certificate monitor. This file only parses the command
// line, dispatches to a subcommand and turns failures into the UNKNOWN exit status.

#include "mxprobe_version.hpp"
#include "resolver/channel.hpp"
#include "tools/mxprobe/check_cert_command.hpp"
#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"
#include "tools/mxprobe/history_command.hpp"
#include "tools/mxprobe/host_command.hpp"
#include "tools/mxprobe/matrix_command.hpp"
#include "tools/mxprobe/mta_sts_command.hpp"
#include "tools/mxprobe/resolve_command.hpp"
#include "tools/mxprobe/scan_command.hpp"
#include "tools/mxprobe/tlsrpt_command.hpp"
#include "tools/mxprobe/watch_command.hpp"

#include <csignal>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    // Writes to a peer or a pipe that went away are errors to handle, not a reason to die.
    (void)std::signal(SIGPIPE, SIG_IGN);
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
    mxprobe::domain_arguments domain_args;
    CLI::App* domain = mxprobe::add_domain_command(app, domain_args);
    mxprobe::scan_arguments scan_args;
    CLI::App* scan = mxprobe::add_scan_command(app, scan_args);
    mxprobe::matrix_arguments matrix_args;
    CLI::App* matrix = mxprobe::add_matrix_command(app, matrix_args);
    mxprobe::mta_sts_arguments mta_sts_args;
    CLI::App* mta_sts = mxprobe::add_mta_sts_command(app, mta_sts_args);
    mxprobe::tlsrpt_arguments tlsrpt_args;
    CLI::App* tlsrpt = mxprobe::add_tlsrpt_command(app, tlsrpt_args);
    mxprobe::check_cert_arguments check_cert_args;
    CLI::App* check_cert = mxprobe::add_check_cert_command(app, check_cert_args);
    mxprobe::history_arguments history_args;
    CLI::App* history = mxprobe::add_history_command(app, history_args);
    mxprobe::coverage_arguments coverage_args;
    CLI::App* coverage = mxprobe::add_coverage_command(app, coverage_args);
    mxprobe::watch_arguments watch_args;
    CLI::App* watch = mxprobe::add_watch_command(app, watch_args);

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
        } else if (domain->parsed()) {
            status = mxprobe::run_domain_command(domain_args, options);
        } else if (scan->parsed()) {
            status = mxprobe::run_scan_command(scan_args, options);
        } else if (matrix->parsed()) {
            status = mxprobe::run_matrix_command(matrix_args, options);
        } else if (mta_sts->parsed()) {
            status = mxprobe::run_mta_sts(mta_sts_args, options);
        } else if (tlsrpt->parsed()) {
            status = mxprobe::run_tlsrpt(tlsrpt_args, options);
        } else if (check_cert->parsed()) {
            status = mxprobe::run_check_cert(check_cert_args, options);
        } else if (history->parsed()) {
            status = mxprobe::run_history_command(history_args, options);
        } else if (coverage->parsed()) {
            status = mxprobe::run_coverage_command(coverage_args, options);
        } else if (watch->parsed()) {
            status = mxprobe::run_watch_command(watch_args, options);
        }
        return static_cast<int>(status);
    } catch (const std::exception& e) {
        std::cerr << "mxprobe: " << e.what() << "\n";
        return static_cast<int>(exit_status::unknown);
    }
}
