#include "tools/mxprobe/tlsrpt_command.hpp"

#include "tools/mxprobe/tlsrpt_ingest.hpp"
#include "tools/mxprobe/tlsrpt_render.hpp"

#include <iostream>

#include <CLI/CLI.hpp>

namespace mxprobe {

CLI::App* add_tlsrpt_command(CLI::App& app, tlsrpt_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "tlsrpt", "Sum TLS-RPT reports (RFC 8460) received from other senders: JSON, gzip or "
                  "whole emails, from files and folders (recursively); the same report twice "
                  "counts once");
    cmd->add_option("path", a.paths, "report file or folder of reports")->required();
    return cmd;
}

exit_status run_tlsrpt(const tlsrpt_arguments& arguments, const global_options& options) {
    const auto ingest = ingest_tlsrpt(arguments.paths);
    if (options.json) {
        std::cout << tlsrpt_to_json(ingest).dump(2) << "\n";
    } else {
        std::cout << tlsrpt_to_text(ingest);
    }
    if (ingest.aggregate.reports == 0) {
        std::cerr << "mxprobe tlsrpt: no report could be read (" << ingest.files
                  << " file(s) found, " << ingest.errors.size() << " error(s))\n";
    }
    return tlsrpt_exit_status(ingest);
}

} // namespace mxprobe
