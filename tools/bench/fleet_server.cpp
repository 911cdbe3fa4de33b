// A fast STARTTLS test server for the scan benchmark (tools/bench/scan): one process, one
// thread, listening on many loopback addresses at once so that each stands in for one MX
// host. It speaks just enough SMTP for a probe — greeting, EHLO, STARTTLS, EHLO inside TLS,
// QUIT — and answers at once, except on "tarpit" addresses, which hold the greeting back
// (or trickle it a byte at a time) the way rate-limiting receivers do.
//
//   fleet_server --first 127.1.0.1 --count 1000 --stride 256 --port 2525
//                --chain leaf+intermediate.pem --key leaf.key
//                [--tarpit-every 20] [--tarpit-delay 30] [--tarpit-trickle]
//
// Addresses: first, first+stride, first+2*stride, ... (a stride of 256 puts each address in
// its own /24, so provider grouping does not lump the fleet together). Prints one line of
// counters on SIGUSR1 and on exit (SIGTERM/SIGINT).

#include "probe/use_tuple.hpp"

#include <array>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

using probe::use_tuple;

struct settings {
    std::string first = "127.1.0.1";
    unsigned count = 1000;
    unsigned stride = 256;
    unsigned short port = 2525;
    std::string chain;
    std::string key;
    unsigned tarpit_every = 0;   ///< every Nth address is a tarpit; 0: none
    unsigned tarpit_delay = 30;  ///< seconds before the greeting
    bool tarpit_trickle = false; ///< send the greeting one byte per second instead
};

struct counters {
    std::size_t connections = 0;
    std::size_t handshakes = 0;
    std::size_t handshake_failures = 0;
    std::size_t quits = 0;
    std::size_t tarpitted = 0;
};

[[noreturn]] void usage(const char* why) {
    (void)std::fprintf(stderr,
                       "fleet_server: %s\n(see the comment at the top of fleet_server.cpp)\n", why);
    std::exit(2);
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage(("missing value for " + a).c_str());
            }
            return argv[++i];
        };
        if (a == "--first") {
            s.first = value();
        } else if (a == "--count") {
            s.count = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--stride") {
            s.stride = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--port") {
            s.port = static_cast<unsigned short>(std::stoul(value()));
        } else if (a == "--chain") {
            s.chain = value();
        } else if (a == "--key") {
            s.key = value();
        } else if (a == "--tarpit-every") {
            s.tarpit_every = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--tarpit-delay") {
            s.tarpit_delay = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--tarpit-trickle") {
            s.tarpit_trickle = true;
        } else {
            usage(("unknown option " + a).c_str());
        }
    }
    if (s.chain.empty() || s.key.empty()) {
        usage("--chain and --key are required");
    }
    return s;
}

template <class Stream> asio::awaitable<bool> send(Stream& s, const std::string& text) {
    auto [ec, n] = co_await asio::async_write(s, asio::buffer(text), use_tuple);
    (void)n;
    co_return !ec;
}

// Reads one command line; empty on error or a line over 1 KiB.
template <class Stream> asio::awaitable<std::string> read_line(Stream& s, asio::streambuf& buf) {
    auto [ec, n] = co_await asio::async_read_until(s, buf, "\r\n", use_tuple);
    if (ec || n > 1024) {
        co_return std::string();
    }
    std::string line(asio::buffers_begin(buf.data()),
                     asio::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n - 2));
    buf.consume(n);
    for (auto& c : line) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    co_return line.empty() ? std::string(" ") : line;
}

asio::awaitable<void> tarpit_greeting(tcp::socket& socket, const settings& s) {
    asio::steady_timer timer(socket.get_executor());
    const std::string greeting = "220 tarpit.fleet.test ESMTP\r\n";
    if (s.tarpit_trickle) {
        for (char c : greeting) {
            timer.expires_after(std::chrono::seconds(1));
            auto [ec] = co_await timer.async_wait(use_tuple);
            if (ec || !co_await send(socket, std::string(1, c))) {
                co_return;
            }
        }
        co_return;
    }
    timer.expires_after(std::chrono::seconds(s.tarpit_delay));
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (!ec) {
        co_await send(socket, greeting);
    }
}

asio::awaitable<void> session(tcp::socket socket, asio::ssl::context& tls, const settings& s,
                              bool tarpit, counters& c) {
    ++c.connections;
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tarpit) {
        ++c.tarpitted;
        co_await tarpit_greeting(socket, s);
    } else if (!co_await send(socket, "220 mx.fleet.test ESMTP fleet\r\n")) {
        co_return;
    }
    asio::streambuf buf(4096);
    for (;;) {
        const std::string line = co_await read_line(socket, buf);
        if (line.empty()) {
            co_return;
        }
        if (line.rfind("EHLO", 0) == 0) {
            if (!co_await send(socket, "250-mx.fleet.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                                       "250 STARTTLS\r\n")) {
                co_return;
            }
        } else if (line == "STARTTLS") {
            break;
        } else if (line == "QUIT") {
            ++c.quits;
            co_await send(socket, "221 bye\r\n");
            co_return;
        } else if (!co_await send(socket, "502 5.5.2 not here\r\n")) {
            co_return;
        }
    }
    if (!co_await send(socket, "220 2.0.0 go ahead\r\n")) {
        co_return;
    }
    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls);
    auto [hs] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (hs) {
        ++c.handshake_failures;
        co_return;
    }
    ++c.handshakes;
    asio::streambuf tls_buf(4096);
    for (;;) {
        const std::string line = co_await read_line(stream, tls_buf);
        if (line.empty()) {
            co_return;
        }
        if (line.rfind("EHLO", 0) == 0) {
            if (!co_await send(stream, "250-mx.fleet.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")) {
                co_return;
            }
        } else if (line == "QUIT") {
            ++c.quits;
            co_await send(stream, "221 bye\r\n");
            co_return;
        } else if (!co_await send(stream, "502 5.5.2 not here\r\n")) {
            co_return;
        }
    }
}

asio::awaitable<void> serve(tcp::acceptor acceptor, asio::ssl::context& tls, const settings& s,
                            bool tarpit, counters& c) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted) {
                co_return;
            }
            continue; // EMFILE and friends: keep serving the others
        }
        asio::co_spawn(acceptor.get_executor(), session(std::move(socket), tls, s, tarpit, c),
                       asio::detached);
    }
}

void print(const counters& c) {
    std::printf("connections %zu handshakes %zu handshake_failures %zu quits %zu tarpitted %zu\n",
                c.connections, c.handshakes, c.handshake_failures, c.quits, c.tarpitted);
    (void)std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    asio::io_context io(1);
    asio::ssl::context tls(asio::ssl::context::tls_server);
    tls.use_certificate_chain_file(s.chain);
    tls.use_private_key_file(s.key, asio::ssl::context::pem);
    counters c;
    const std::uint32_t first = asio::ip::make_address_v4(s.first).to_uint();
    for (unsigned i = 0; i < s.count; ++i) {
        const asio::ip::address_v4 address(first + i * s.stride);
        tcp::acceptor acceptor(io);
        const tcp::endpoint at(address, s.port);
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen(1024);
        const bool tarpit = s.tarpit_every != 0 && i % s.tarpit_every == s.tarpit_every - 1;
        asio::co_spawn(io, serve(std::move(acceptor), tls, s, tarpit, c), asio::detached);
    }
    std::printf("listening on %u addresses from %s, port %u\n", s.count, s.first.c_str(), s.port);
    (void)std::fflush(stdout);
    asio::signal_set stop(io, SIGINT, SIGTERM);
    stop.async_wait([&](error_code, int) { io.stop(); });
    asio::signal_set report(io, SIGUSR1);
    std::function<void(error_code, int)> on_report = [&](error_code ec, int) {
        if (!ec) {
            print(c);
            report.async_wait(on_report);
        }
    };
    report.async_wait(on_report);
    io.run();
    print(c);
    return 0;
}
