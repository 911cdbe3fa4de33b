#pragma once
// The /metrics endpoint of `mxprobe watch`: a small Beast HTTP server on the watch's own
// io_context, answering GET /metrics with the Prometheus text of the moment. One request per
// connection, bounded header, a deadline per connection; anything else is 404 or 405.

#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace mxprobe {

/// "127.0.0.1:9464" or "[::1]:9464"; throws std::invalid_argument naming the problem.
boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text);

class metrics_server {
  public:
    /// Listens on `at` (throws std::runtime_error when it cannot bind) and serves `body()`.
    metrics_server(const boost::asio::any_io_executor& executor,
                   const boost::asio::ip::tcp::endpoint& at, std::function<std::string()> body);
    ~metrics_server();
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    [[nodiscard]] boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
    void stop();

  private:
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::function<std::string()> body_;
};

} // namespace mxprobe
