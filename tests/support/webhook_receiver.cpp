#include "tests/support/webhook_receiver.hpp"
#include "probe/use_tuple.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace mxprobe_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

webhook_receiver::webhook_receiver(int fail_first) : fail_first_(fail_first), acceptor_(io_) {
    const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, serve(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

webhook_receiver::~webhook_receiver() {
    io_.stop();
    thread_.join();
}

std::string webhook_receiver::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> webhook_receiver::bodies() const {
    const std::lock_guard lock(mutex_);
    return bodies_;
}

asio::awaitable<void> webhook_receiver::serve() {
    using probe::use_tuple;
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) {
            co_return;
        }
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        auto [read_ec, n] = co_await http::async_read(stream, buffer, request, use_tuple);
        (void)n;
        if (read_ec) {
            continue;
        }
        const int count = ++requests_;
        http::response<http::string_body> response;
        response.version(11);
        response.keep_alive(false);
        if (count <= fail_first_) {
            response.result(http::status::service_unavailable);
        } else {
            response.result(http::status::no_content);
            const std::lock_guard lock(mutex_);
            bodies_.push_back(request.body());
        }
        response.prepare_payload();
        co_await http::async_write(stream, response, use_tuple);
    }
}

} // namespace mxprobe_test
