#pragma once
// `mxprobe mta-sts DOMAIN`: MTA-STS discovery as a sender performs it (the `_mta-sts` TXT
// record, then the policy over HTTPS), and whether the policy covers every MX host in DNS.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"

#include <cstdint>
#include <string>

#include <CLI/App.hpp>

namespace mxprobe {

struct mta_sts_arguments {
    std::string domain;
    std::string ca_file;
    bool allow_private = false;
    /// RFC 8461 fixes 443; another port only reaches test servers.
    std::uint16_t policy_port = 443;
};

CLI::App* add_mta_sts_command(CLI::App& app, mta_sts_arguments& arguments);

exit_status run_mta_sts(const mta_sts_arguments& arguments, const global_options& options);

} // namespace mxprobe
