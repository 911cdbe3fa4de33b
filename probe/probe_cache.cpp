#include "probe/probe_cache.hpp"

#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

namespace asio = boost::asio;

probe_cache::entry::entry(const asio::any_io_executor& ex) : done(ex) {
    done.expires_at(asio::steady_timer::time_point::max());
}

asio::awaitable<probe_cache::result_ptr> probe_cache::async_get(std::string key, start_fn start) {
    if (auto it = entries_.find(key); it != entries_.end()) {
        ++hits_;
        const std::shared_ptr<entry> e = it->second; // keeps the timer alive while we wait
        while (!e->result) {
            auto [ec] = co_await e->done.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
        co_return e->result;
    }
    auto e = std::make_shared<entry>(executor_);
    entries_.emplace(key, e);
    host_probe_result r;
    try {
        r = co_await start();
    } catch (const std::exception& failure) {
        // A bug, not a network outcome: recorded as such so that no waiter hangs on it.
        r.session.outcome = status::internal_error;
        r.session.error = std::string("internal error while probing: ") + failure.what();
    }
    e->result = std::make_shared<const host_probe_result>(std::move(r));
    ++finished_;
    e->done.cancel();
    co_return e->result;
}

} // namespace probe
