#pragma once
// `mxprobe resolve DOMAIN`: what a sending MTA looks up in DNS for a domain.

#include "tools/mxprobe/exit_status.hpp"
#include "tools/mxprobe/global_options.hpp"

#include <string>

#include <CLI/App.hpp>

namespace mxprobe {

struct resolve_arguments {
    std::string domain;
};

CLI::App* add_resolve_command(CLI::App& app, resolve_arguments& arguments);

exit_status run_resolve(const resolve_arguments& arguments, const global_options& options);

} // namespace mxprobe
