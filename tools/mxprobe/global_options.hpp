#pragma once
// Options shared by every network subcommand: where DNS questions go, how long to wait,
// and whether to print JSON.

#include "resolver/channel.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <CLI/App.hpp>

namespace mxprobe {

struct global_options {
    std::vector<std::string> resolvers; ///< "IP[:PORT]"; empty = the system's resolv.conf
    double timeout_seconds = 10.0;      ///< budget for one network step (a DNS lookup, ...)
    bool timeout_given = false;         ///< --timeout was on the command line
    bool json = false;
};

/// Registers --resolver, --timeout and --json on the top-level app.
void add_global_options(CLI::App& app, global_options& options);

/// Channel settings from the options; throws std::invalid_argument naming a bad --resolver.
resolver::channel_options make_channel_options(const global_options& options);

} // namespace mxprobe
