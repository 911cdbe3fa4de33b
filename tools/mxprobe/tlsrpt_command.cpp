#include "tools/mxprobe/tlsrpt_command.hpp"

#include "tools/mxprobe/report_store.hpp"
#include "tools/mxprobe/tlsrpt_ingest.hpp"
#include "tools/mxprobe/tlsrpt_render.hpp"

#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

namespace mxprobe {

CLI::App* add_tlsrpt_command(CLI::App& app, tlsrpt_arguments& a) {
    CLI::App* cmd = app.add_subcommand(
        "tlsrpt", "Sum TLS-RPT reports (RFC 8460) received from other senders: JSON, gzip or "
                  "whole emails, from files and folders (recursively); the same report twice "
                  "counts once");
    cmd->add_option("path", a.paths, "report file or folder of reports")->required();
    cmd->add_option("--db", a.db,
                    "also store every report not stored before in this history store, and "
                    "record the files read");
    return cmd;
}

exit_status run_tlsrpt(const tlsrpt_arguments& arguments, const global_options& options) {
    tlsrpt_ingest ingest;
    if (arguments.db.empty()) {
        ingest = ingest_tlsrpt(arguments.paths);
    } else {
        stored_ingest stored;
        try {
            history_store store(arguments.db);
            stored = ingest_into_store(store, arguments.paths, false);
        } catch (const store_error& e) {
            std::cerr << "mxprobe tlsrpt: " << e.what() << "\n";
            return exit_status::unknown;
        }
        // On stderr, so that the summary on stdout stays the same with or without a store.
        std::cerr << "mxprobe tlsrpt: " << stored.stored << " new report(s) stored in "
                  << arguments.db << ", " << stored.already_stored << " stored before\n";
        ingest = std::move(stored.ingest);
    }
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
