#pragma once
// Glue for the loopback resolver tests: a channel pointed at a fake_dns_server, and a
// bounded way to run one lookup coroutine to completion on the test's own io_context.

#include "resolver/channel.hpp"
#include "resolver/lookup.hpp"
#include "tests/support/fake_dns_server.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <doctest/doctest.h>

// doctest 2.4.9 prints every enum as its underlying number, ignoring StringMaker and
// operator<<; only a `toString` found by ADL in the enum's namespace wins over that.
namespace resolver {
inline doctest::String
toString(dns_status s) { // NOLINT(readability-identifier-naming): doctest's name
    return doctest::String(std::string(to_string(s)).c_str());
}
} // namespace resolver

namespace mxprobe_test {

/// Channel options aimed only at `server`: never the system resolver configuration.
inline resolver::channel_options
options_for(const fake_dns_server& server, int tries = 1,
            std::chrono::milliseconds try_timeout = std::chrono::milliseconds(200)) {
    resolver::channel_options o;
    resolver::server_address s;
    s.ip = server.address();
    s.port = server.port();
    s.is_ipv6 = server.address().find(':') != std::string::npos;
    o.servers.push_back(s);
    o.tries = tries;
    o.try_timeout = try_timeout;
    return o;
}

template <class T> struct timed {
    std::optional<T> value; ///< empty when the lookup did not finish within the limit
    std::chrono::steady_clock::duration elapsed{};
};

/// Spawns `op` on `io` and runs `io` on this thread until the lookup completes or `limit`
/// passes, whichever is first; a lookup that never ends fails the test instead of hanging it.
template <class T>
timed<T> run_lookup(boost::asio::io_context& io, boost::asio::awaitable<T> op,
                    std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    using namespace std::chrono;
    const auto start = steady_clock::now();
    auto future = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
    timed<T> out;
    while (future.wait_for(seconds(0)) != std::future_status::ready &&
           steady_clock::now() - start < limit) {
        io.restart();
        io.run_one_for(milliseconds(20));
    }
    out.elapsed = steady_clock::now() - start;
    if (future.wait_for(seconds(0)) == std::future_status::ready) {
        out.value = future.get();
    }
    return out;
}

/// The same, for a test that only cares about the answer: REQUIREs completion.
template <class T>
T run_to_answer(boost::asio::io_context& io, boost::asio::awaitable<T> op,
                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto r = run_lookup(io, std::move(op), limit);
    REQUIRE_MESSAGE(r.value.has_value(), "the lookup did not complete in time");
    return std::move(*r.value);
}

/// One loopback test world: the c-ares library guard, a fake server scripted by `handler`,
/// the test's io_context and a channel that asks only that server. Members are destroyed in
/// reverse order, so the channel goes before the io_context it runs on.
struct lookup_env {
    resolver::library library;
    fake_dns_server server;
    boost::asio::io_context io;
    resolver::channel channel;

    explicit lookup_env(query_handler handler, int tries = 1,
                        std::chrono::milliseconds try_timeout = std::chrono::milliseconds(200),
                        std::string address = "127.0.0.1")
        : server(std::move(handler), std::move(address)),
          channel(io.get_executor(), options_for(server, tries, try_timeout)) {}

    template <class T> T run(boost::asio::awaitable<T> op) {
        return run_to_answer(io, std::move(op));
    }
};

/// How many recorded queries asked for (`name`, `type`).
inline std::size_t count_queries(const fake_dns_server& server, const std::string& name,
                                 std::uint16_t type) {
    std::size_t n = 0;
    for (const auto& q : server.queries()) {
        n += (q.name == name && q.type == type) ? 1 : 0;
    }
    return n;
}

} // namespace mxprobe_test
