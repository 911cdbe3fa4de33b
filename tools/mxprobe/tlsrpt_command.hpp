#pragma once
// `mxprobe tlsrpt PATH...`: the TLS-RPT reports other senders mailed to us, summed.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"

#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace mxprobe {

struct tlsrpt_arguments {
    std::vector<std::string> paths;
    std::string db; ///< --db FILE: store every new report there and mark the files read
};

CLI::App* add_tlsrpt_command(CLI::App& app, tlsrpt_arguments& arguments);

exit_status run_tlsrpt(const tlsrpt_arguments& arguments, const global_options& options);

} // namespace mxprobe
