#include "tests/support/fake_https_server.hpp"

#include "probe/use_tuple.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

namespace mxprobe_test {

namespace net = boost::asio;
using net::ip::tcp;

namespace {

using probe::use_tuple;
constexpr std::size_t max_request_header = std::size_t{16} * 1024;

std::string reason_of(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 404:
        return "Not Found";
    case 500:
        return "Internal Server Error";
    default:
        return "Status";
    }
}

using tls_stream = net::ssl::stream<tcp::socket>;

net::awaitable<bool> send_throttled(tls_stream& stream, const std::string& bytes,
                                    std::size_t bytes_per_second) {
    net::steady_timer timer(co_await net::this_coro::executor);
    const auto pause = std::chrono::microseconds(1'000'000 / bytes_per_second);
    for (const char& c : bytes) {
        auto [ec, n] = co_await net::async_write(stream, net::buffer(&c, 1), use_tuple);
        (void)n;
        if (ec) {
            co_return false;
        }
        timer.expires_after(pause);
        co_await timer.async_wait(use_tuple);
    }
    co_return true;
}

net::awaitable<void> send_endless(tls_stream& stream, std::string piece) {
    while (piece.size() < 1024) {
        piece += piece; // fewer, larger writes for short patterns
    }
    for (;;) {
        auto [ec, n] = co_await net::async_write(stream, net::buffer(piece), use_tuple);
        (void)n;
        if (ec) {
            co_return;
        }
    }
}

} // namespace

std::string http_response(int status, const std::string& content_type, const std::string& body,
                          const std::string& extra_headers) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_of(status) + "\r\n";
    if (!content_type.empty()) {
        out += "Content-Type: " + content_type + "\r\n";
    }
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += extra_headers;
    out += "Connection: close\r\n\r\n";
    return out + body;
}

fake_https_server::fake_https_server(https_script script)
    : script_(std::move(script)), tls_(net::ssl::context::tls_server), acceptor_(io_) {
    tls_.use_certificate_chain(net::buffer(script_.cert_chain_pem));
    tls_.use_private_key(net::buffer(script_.key_pem), net::ssl::context::pem);
    const tcp::endpoint local(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(local.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(local);
    acceptor_.listen();
    endpoint_ = acceptor_.local_endpoint();
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
}

fake_https_server::~fake_https_server() {
    // A session may be parked in a throttle pause or an endless write: stop the loop rather
    // than drain it. Pending coroutine frames (and their sockets) die with io_.
    io_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::vector<std::string> fake_https_server::requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<std::string> fake_https_server::sni_names() const {
    const std::lock_guard lock(mutex_);
    return sni_;
}

net::awaitable<void> fake_https_server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) {
            co_return;
        }
        ++connections_;
        net::co_spawn(io_, session(std::move(socket)), net::detached);
    }
}

net::awaitable<void> fake_https_server::session(tcp::socket socket) {
    tls_stream stream(std::move(socket), tls_);
    auto [handshake_ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_tuple);
    if (handshake_ec) {
        co_return;
    }
    {
        const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        const std::lock_guard lock(mutex_);
        sni_.emplace_back(sni != nullptr ? sni : "");
    }
    std::string buffer;
    auto [read_ec, n] = co_await net::async_read_until(
        stream, net::dynamic_buffer(buffer, max_request_header), "\r\n\r\n", use_tuple);
    if (read_ec) {
        co_return;
    }
    {
        const std::lock_guard lock(mutex_);
        requests_.push_back(buffer.substr(0, n));
    }
    if (script_.bytes_per_second > 0) {
        if (!co_await send_throttled(stream, script_.response, script_.bytes_per_second)) {
            co_return;
        }
    } else {
        auto [ec, written] =
            co_await net::async_write(stream, net::buffer(script_.response), use_tuple);
        (void)written;
        if (ec) {
            co_return;
        }
    }
    if (script_.endless_chunks) {
        co_await send_endless(stream, "400\r\n" + std::string(1024, 'x') + "\r\n");
        co_return;
    }
    if (!script_.endless.empty()) {
        co_await send_endless(stream, script_.endless);
        co_return;
    }
    co_await stream.async_shutdown(use_tuple);
}

} // namespace mxprobe_test
