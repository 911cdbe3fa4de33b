#pragma once
// Coroutine DNS lookups. Every lookup ends in an answer value (resolver/answer.hpp), never an
// exception.

#include "resolver/answer.hpp"

#include <string>

#include <boost/asio/awaitable.hpp>

namespace resolver {

class channel;

boost::asio::awaitable<mx_answer> async_mx(channel& ch, std::string name);
boost::asio::awaitable<address_answer> async_a(channel& ch, std::string name);
boost::asio::awaitable<address_answer> async_aaaa(channel& ch, std::string name);
boost::asio::awaitable<txt_answer> async_txt(channel& ch, std::string name);
boost::asio::awaitable<tlsa_answer> async_tlsa(channel& ch, std::string name);

} // namespace resolver
