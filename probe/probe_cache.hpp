#pragma once
// Each (MX host, IP, port) is probed once per scan, however many domains share it: thousands
// of partners sit on a few providers' MX hosts. The first domain to ask runs the probe; every
// other one waits for that result and shares it. Single-threaded, like the scan.

#include "probe/host_probe_result.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace probe {

class probe_cache {
  public:
    using result_ptr = std::shared_ptr<const host_probe_result>;
    using start_fn = std::function<boost::asio::awaitable<host_probe_result>()>;

    explicit probe_cache(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

    /// The result for `key`; `start` runs only for the first caller of that key. It must not
    /// itself be a coroutine lambda: it returns the awaitable of a coroutine function that
    /// took its arguments by value.
    boost::asio::awaitable<result_ptr> async_get(std::string key, start_fn start);

    [[nodiscard]] std::size_t probes_started() const { return entries_.size(); }
    [[nodiscard]] std::size_t probes_finished() const { return finished_; }
    [[nodiscard]] std::size_t shared_hits() const { return hits_; }

  private:
    struct entry {
        result_ptr result;
        boost::asio::steady_timer done; ///< never expires; cancelled to wake every waiter
        explicit entry(const boost::asio::any_io_executor& ex);
    };
    boost::asio::any_io_executor executor_;
    std::map<std::string, std::shared_ptr<entry>> entries_;
    std::size_t finished_ = 0;
    std::size_t hits_ = 0;
};

} // namespace probe
