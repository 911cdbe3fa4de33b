#include "tools/mxprobe/metrics_server.hpp"

#include "probe/use_tuple.hpp"

#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace mxprobe {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

using probe::use_tuple;

asio::awaitable<void> async_serve_one(tcp::socket socket,
                                      const std::function<std::string()>& body) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(10));
    beast::flat_buffer buffer(std::size_t{16} * 1024);
    http::request_parser<http::empty_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(0);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)n;
    if (ec) {
        co_return;
    }
    const auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        response.result(http::status::method_not_allowed);
        response.set(http::field::allow, "GET, HEAD");
        response.body() = "only GET /metrics\n";
    } else if (request.target() != "/metrics") {
        response.result(http::status::not_found);
        response.body() = "mxprobe serves /metrics\n";
    } else {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = body();
    }
    if (response.result() != http::status::ok) {
        response.set(http::field::content_type, "text/plain; charset=utf-8");
    }
    response.prepare_payload();
    if (request.method() == http::verb::head) {
        response.body().clear();
    }
    auto [write_ec, written] = co_await http::async_write(stream, response, use_tuple);
    (void)write_ec;
    (void)written;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> async_accept_loop(tcp::acceptor& acceptor,
                                        const std::function<std::string()>& body) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (ec) {
            continue; // EMFILE and the like: the next accept may work
        }
        asio::co_spawn(acceptor.get_executor(), async_serve_one(std::move(socket), body),
                       asio::detached);
    }
}

} // namespace

tcp::endpoint parse_listen_address(const std::string& text) {
    std::string host;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            throw std::invalid_argument("'" + text + "' is not [IPv6]:PORT");
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos) {
            throw std::invalid_argument("'" + text + "' is not IP:PORT");
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
        throw std::invalid_argument("'" + host + "' is not an IP address");
    }
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
        throw std::invalid_argument("'" + port + "' is not a port number");
    }
    return {address, static_cast<unsigned short>(std::stoul(port))};
}

metrics_server::metrics_server(const asio::any_io_executor& executor, const tcp::endpoint& at,
                               std::function<std::string()> body)
    : acceptor_(executor), body_(std::move(body)) {
    boost::system::error_code ec;
    acceptor_.open(at.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
        acceptor_.bind(at, ec);
    }
    if (!ec) {
        acceptor_.listen(64, ec);
    }
    if (ec) {
        throw std::runtime_error("cannot listen for /metrics on " + at.address().to_string() + ":" +
                                 std::to_string(at.port()) + ": " + ec.message());
    }
    endpoint_ = acceptor_.local_endpoint();
    asio::co_spawn(executor, async_accept_loop(acceptor_, body_), asio::detached);
}

metrics_server::~metrics_server() {
    stop();
}

void metrics_server::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

} // namespace mxprobe
