#pragma once
// Where `mxprobe watch` sends each alert as it is raised or resolved: JSON Lines (a file, or
// standard output), a webhook (an HTTP or HTTPS POST of the JSON, retried with backoff, each
// attempt under a deadline) and a command (the JSON on its standard input). Deliveries run
// on the watch's io_context, one at a time per sink so their order is kept; a slow webhook
// holds up nothing else.

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

namespace mxprobe {

struct alert_sink_settings {
    std::string jsonl;   ///< a file to append to, "-" for standard output, "" for none
    std::string webhook; ///< http://HOST[:PORT]/PATH or https://..., "" for none
    std::string command; ///< run with /bin/sh -c, the alert on stdin; "" for none
    int webhook_attempts = 4;
    std::chrono::milliseconds webhook_first_retry{1000}; ///< doubled after each failure
    std::chrono::milliseconds webhook_timeout{10000};    ///< per attempt
    std::chrono::milliseconds command_timeout{30000};    ///< then the command is killed
    std::string ca_file; ///< trust store for an https webhook (default: the system's)
};

struct parsed_url {
    bool tls = false;
    std::string host;
    std::uint16_t port = 0;
    std::string target; ///< path and query, "/" when empty
};

/// Throws std::invalid_argument naming what is wrong.
parsed_url parse_webhook_url(const std::string& url);

class alert_sinks {
  public:
    /// Throws std::runtime_error when the JSON Lines file cannot be opened or the URL is bad.
    alert_sinks(const boost::asio::any_io_executor& executor, alert_sink_settings settings);
    ~alert_sinks();
    alert_sinks(const alert_sinks&) = delete;
    alert_sinks& operator=(const alert_sinks&) = delete;

    /// Queues `event` for every sink; returns at once.
    void deliver(const nlohmann::json& event);

    /// Waits until every queued delivery is done (or `limit` has passed).
    boost::asio::awaitable<void> async_drain(std::chrono::milliseconds limit);

    /// Deliveries that failed for good (every webhook attempt, a command that failed, a line
    /// the JSON Lines file did not take).
    [[nodiscard]] std::size_t failures() const;

    struct state; ///< shared with the delivery coroutines, which may outlive a call

  private:
    std::shared_ptr<state> state_;
};

} // namespace mxprobe
