#pragma once
// The completion token of our coroutines' I/O: `auto [ec, n] = co_await op(..., use_tuple)`.
// Expected failures (a refused connection, a timeout, a peer that hangs up) come back as
// values to branch on, not as exceptions.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

inline constexpr auto use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

} // namespace probe
