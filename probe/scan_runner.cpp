#include "probe/scan_runner.hpp"

#include <algorithm>
#include <exception>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

namespace asio = boost::asio;

namespace {

// Shared by the runner and its domains; a domain's slow-timer handler may outlive both.
struct window_state {
    explicit window_state(const asio::any_io_executor& ex) : wake(ex) {
        wake.expires_at(asio::steady_timer::time_point::max());
    }
    std::size_t active = 0;  ///< domains holding a place in the window
    std::size_t waiting = 0; ///< domains past slow_after
    std::exception_ptr failure;
    bool changed = false;
    asio::steady_timer wake; ///< never expires; cancelled to wake the runner

    void notify() {
        changed = true;
        wake.cancel();
    }
};

enum class place { active, waiting, done };

asio::awaitable<void> async_one_domain(scan_context& ctx, scan_target target,
                                       const facts_sink& sink, std::shared_ptr<window_state> state,
                                       std::chrono::milliseconds slow_after) {
    auto where = std::make_shared<place>(place::active);
    asio::steady_timer slow(co_await asio::this_coro::executor, slow_after);
    slow.async_wait([state, where](boost::system::error_code ec) {
        if (ec || *where != place::active) {
            return;
        }
        *where = place::waiting;
        --state->active;
        ++state->waiting;
        state->notify();
    });
    try {
        domain_facts facts = co_await async_scan_domain(ctx, target.domain, target.options);
        facts.index = target.index;
        sink(std::move(facts));
    } catch (...) {
        if (!state->failure) {
            state->failure = std::current_exception();
        }
    }
    slow.cancel();
    --(*where == place::active ? state->active : state->waiting);
    *where = place::done;
    state->notify();
}

} // namespace

asio::awaitable<void> async_run_scan(scan_context& ctx, target_source next, facts_sink sink,
                                     scan_window window) {
    auto ex = co_await asio::this_coro::executor;
    auto state = std::make_shared<window_state>(ex);
    const std::size_t in_flight = std::max<std::size_t>(1, window.in_flight);
    const std::size_t alive = in_flight + window.waiting;
    bool exhausted = false;
    for (;;) {
        while (!exhausted && !state->failure && state->active < in_flight &&
               state->active + state->waiting < alive) {
            auto target = next();
            if (!target) {
                exhausted = true;
                break;
            }
            ++state->active;
            asio::co_spawn(
                ex, async_one_domain(ctx, std::move(*target), sink, state, window.slow_after),
                asio::detached);
        }
        if ((exhausted || state->failure) && state->active + state->waiting == 0) {
            break;
        }
        while (!state->changed) {
            auto [ec] = co_await state->wake.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
        state->changed = false;
    }
    if (state->failure) {
        std::rethrow_exception(state->failure);
    }
}

} // namespace probe
