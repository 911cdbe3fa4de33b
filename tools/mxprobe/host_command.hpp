#pragma once
// `mxprobe host HOST`: one mail host probed the way a careful sending MTA sees it.

#include "policy/dane.hpp"
#include "resolver/answer.hpp"
#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"

#include <cstdint>
#include <string>

#include <CLI/App.hpp>

namespace mxprobe {

struct host_arguments {
    std::string host;
    std::string ip;
    std::uint16_t port = 25;
    bool enumerate = false;
    std::string ca_file;
    std::string ehlo;
    bool allow_private = false;
    bool no_dane = false;      ///< skip the `_25._tcp.<host>` TLSA lookup
    bool require_dane = false; ///< DANE is mandatory for this host (RFC 7672 §6)
};

CLI::App* add_host_command(CLI::App& app, host_arguments& arguments);

exit_status run_host(const host_arguments& arguments, const global_options& options);

/// A TLSA answer as DANE judges it: records, no records (NODATA/NXDOMAIN), bogus (SERVFAIL
/// from a validating resolver) or failed (no answer at all). Shared with `check-cert`.
policy::tlsa_lookup to_tlsa_lookup(const resolver::tlsa_answer& answer);

/// The EHLO name when --ehlo is not given: this machine's host name.
std::string default_ehlo_name();

} // namespace mxprobe
