#pragma once
// An in-process HTTPS server for loopback tests of the MTA-STS policy fetch. It listens on
// 127.0.0.1 port 0 with its own io_context on its own thread, reads one request header per
// connection and answers with scripted raw bytes, so a test can send exactly the response it
// wants to check: a redirect, a wrong media type, a body over the limit declared or chunked,
// a body that trickles in. Every misbehaviour ends when the client leaves or the server is
// destroyed.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace mxprobe_test {

struct https_script {
    std::string cert_chain_pem; ///< leaf first
    std::string key_pem;
    std::string response; ///< raw bytes written after the request header has been read
    /// After `response`, 1 KiB chunks ("400\r\n...\r\n") until the client leaves.
    bool endless_chunks = false;
    /// After `response`, these bytes again and again until the client leaves: header lines
    /// without end, a chunk extension without end, ...
    std::string endless;
    /// Throttles `response` to this many bytes per second; 0: no throttle.
    std::size_t bytes_per_second = 0;
};

/// "HTTP/1.1 <status> <reason>" with Content-Type, Content-Length and Connection: close.
std::string http_response(int status, const std::string& content_type, const std::string& body,
                          const std::string& extra_headers = "");

class fake_https_server {
  public:
    explicit fake_https_server(https_script script);
    ~fake_https_server();
    fake_https_server(const fake_https_server&) = delete;
    fake_https_server& operator=(const fake_https_server&) = delete;

    [[nodiscard]] boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
    [[nodiscard]] std::uint16_t port() const { return endpoint_.port(); }
    [[nodiscard]] std::size_t connections() const { return connections_; }
    /// The request line and headers of every request read, CR LF kept.
    [[nodiscard]] std::vector<std::string> requests() const;
    /// The SNI name of every completed handshake ("" when the client sent none).
    [[nodiscard]] std::vector<std::string> sni_names() const;

  private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

    https_script script_;
    boost::asio::ssl::context tls_;
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
    std::vector<std::string> sni_;
    std::atomic<std::size_t> connections_{0};

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::thread thread_;
};

} // namespace mxprobe_test
