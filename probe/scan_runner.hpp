#pragma once
// Many domains through async_scan_domain with a bounded window: a fixed number of workers
// pull the next target when they finish one, so memory stays proportional to the window, not
// to the list, and every finished domain goes to the sink at once (streamed output).

#include "probe/domain_scan.hpp"

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

/// Runs until the source is exhausted and every domain taken from it has finished.
boost::asio::awaitable<void> async_run_scan(scan_context& context, target_source next,
                                            facts_sink sink, std::size_t domains_in_flight);

} // namespace probe
