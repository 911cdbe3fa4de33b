#pragma once
// An HTTP server for tests that receive webhooks: it listens on 127.0.0.1 (an ephemeral
// port), runs its own io_context on its own thread, records every POST body, and answers 204
// — or 503 to the first `fail_first` requests, to exercise retries.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace mxprobe_test {

class webhook_receiver {
  public:
    explicit webhook_receiver(int fail_first = 0);
    ~webhook_receiver();
    webhook_receiver(const webhook_receiver&) = delete;
    webhook_receiver& operator=(const webhook_receiver&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string url(const std::string& path = "/alerts") const;
    [[nodiscard]] std::vector<std::string> bodies() const;
    [[nodiscard]] int requests() const { return requests_; }

  private:
    boost::asio::awaitable<void> serve();

    int fail_first_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
    std::atomic<int> requests_{0};
};

} // namespace mxprobe_test
