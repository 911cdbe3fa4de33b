#pragma once
// A busy server is not a server that refuses TLS. Receivers answer 421 at the greeting, or
// close before it, when they have too many connections (Exim's smtp_accept_max, Postfix's
// anvil limits) — and an enumeration, with its dozens of connections one after another, is
// what trips them. Taking such an answer as "this version or suite is not accepted" would
// report a server's capabilities wrong and, between scans, raise alerts about changes that
// never happened. So an enumeration waits and tries that connection again, a few times.

#include "probe/enumeration_result.hpp"
#include "probe/session_result.hpp"

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

/// True when a session ended the way a rate-limited or temporarily busy server ends it: 421
/// at the greeting or to EHLO, or the connection closed before any greeting.
bool looks_rate_limited(const session_result& session);

/// Retries of one enumeration connection that met a busy server, and the first wait
/// (doubled after each): 0.5 s, 1 s, 2 s, so at most 3.5 s of waiting per connection.
inline constexpr int enumeration_busy_retries = 3;
inline constexpr std::chrono::milliseconds enumeration_busy_first_wait{500};

/// Runs `connect()` (an awaitable session) until the server is not busy or the retries are
/// used up; every connection made is counted in out.connections.
template <class Connect>
boost::asio::awaitable<session_result> async_patient_session(Connect connect,
                                                             enumeration_result& out) {
    auto wait = enumeration_busy_first_wait;
    for (int attempt = 0;; ++attempt) {
        ++out.connections;
        session_result r = co_await connect();
        if (!looks_rate_limited(r) || attempt == enumeration_busy_retries) {
            co_return r;
        }
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
        auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        (void)ec;
        wait *= 2;
    }
}

} // namespace probe
