#include "tools/mxprobe/global_options.hpp"

#include <stdexcept>

#include <CLI/CLI.hpp>

namespace mxprobe {

void add_global_options(CLI::App& app, global_options& options) {
    app.add_option("--resolver", options.resolvers,
                   "DNS server to ask, as IP[:PORT] or [IPv6]:PORT; repeatable, tried in order "
                   "(default: the servers in /etc/resolv.conf)")
        ->type_name("IP[:PORT]")
        ->check([](const std::string& text) {
            auto parsed = resolver::parse_server_address(text);
            return parsed ? std::string() : parsed.error();
        });
    app.add_option_function<double>(
           "--timeout",
           [&options](double seconds) {
               options.timeout_seconds = seconds;
               options.timeout_given = true;
           },
           "time allowed for each network step, in seconds (default 10)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.1, 3600.0));
    app.add_flag("--json", options.json, "print machine-readable JSON (schemas in docs/schema)");
}

resolver::channel_options make_channel_options(const global_options& options) {
    resolver::channel_options out;
    for (const std::string& text : options.resolvers) {
        auto parsed = resolver::parse_server_address(text);
        if (!parsed) {
            throw std::invalid_argument("--resolver " + parsed.error());
        }
        out.servers.push_back(*parsed);
    }
    // c-ares doubles the wait on its second round: first + 2 * first = the whole budget.
    out.tries = 2;
    const auto total = std::chrono::duration<double>(options.timeout_seconds);
    out.try_timeout = std::max(std::chrono::milliseconds(50),
                               std::chrono::duration_cast<std::chrono::milliseconds>(total / 3));
    return out;
}

} // namespace mxprobe
