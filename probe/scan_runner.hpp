#pragma once
// Many domains through async_scan_domain with a bounded window, so memory stays proportional
// to the window, not to the list, and every finished domain goes to the sink at once
// (streamed output). A domain still unfinished after `slow_after` is waiting on something
// slow — a tarpit's greeting, a provider's rate-limit budget, a nameserver that times out —
// and gives its place in the window to the next domain, up to `waiting` such domains: a slow
// server then costs a timer, not a place in everybody's way.

#include "probe/domain_scan.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

namespace probe {

struct scan_target {
    std::string domain;
    std::size_t index = 0; ///< position in the list, carried into domain_facts
    domain_scan_options options;
};

/// Returns the next target, or nothing when the list is done (or the scan is stopping).
using target_source = std::function<std::optional<scan_target>()>;
/// Receives every finished domain, in the order they finish.
using facts_sink = std::function<void(domain_facts)>;

struct scan_window {
    std::size_t in_flight = 1000; ///< domains being worked on at once
    std::size_t waiting = 4000;   ///< further domains past `slow_after`, waiting on slow peers
    std::chrono::milliseconds slow_after{1000};
};

/// Runs until the source is exhausted and every domain taken from it has finished.
boost::asio::awaitable<void> async_run_scan(scan_context& context, target_source next,
                                            facts_sink sink, scan_window window);

} // namespace probe
