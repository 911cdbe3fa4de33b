#include "probe/scan_runner.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

namespace asio = boost::asio;

namespace {

asio::awaitable<void> async_worker(scan_context& ctx, const target_source& next,
                                   const facts_sink& sink) {
    while (auto target = next()) {
        domain_facts facts = co_await async_scan_domain(ctx, target->domain, target->options);
        facts.index = target->index;
        sink(std::move(facts));
    }
}

} // namespace

asio::awaitable<void> async_run_scan(scan_context& ctx, target_source next, facts_sink sink,
                                     std::size_t domains_in_flight) {
    auto ex = co_await asio::this_coro::executor;
    using op_type = decltype(asio::co_spawn(ex, async_worker(ctx, next, sink), asio::deferred));
    std::vector<op_type> workers;
    const std::size_t n = std::max<std::size_t>(1, domains_in_flight);
    workers.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        workers.push_back(asio::co_spawn(ex, async_worker(ctx, next, sink), asio::deferred));
    }
    auto [order, errors] = co_await asio::experimental::make_parallel_group(std::move(workers))
                               .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (const auto& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
}

} // namespace probe
