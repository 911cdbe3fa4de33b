#pragma once
// `mxprobe check-cert`: a candidate certificate chain checked before it is deployed, against
// everything senders will hold it to: trust, dates, key, strength, every MX name, the
// domains' MTA-STS policies, their DANE TLSA records, and what the hosts present today.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace mxprobe {

struct check_cert_arguments {
    std::string chain_file;
    std::string key_file;
    std::vector<std::string> domains;
    std::vector<std::string> mx_hosts;
    int min_days = 14;
    std::string ca_file;
    bool policy_host = false; ///< the candidate is for mta-sts.<domain>, not for the MX hosts
    bool live = false;
    std::uint16_t port = 0; ///< 0: 25 for MX hosts, 443 with --policy-host
    bool allow_private = false;
    std::uint16_t sts_port = 443; ///< where MTA-STS policies are fetched; only test servers differ
};

CLI::App* add_check_cert_command(CLI::App& app, check_cert_arguments& arguments);

exit_status run_check_cert(const check_cert_arguments& arguments, const global_options& options);

} // namespace mxprobe
