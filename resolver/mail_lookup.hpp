#pragma once
// The lookups behind a mail route (resolver/mail_route.hpp), run with as much concurrency as
// their dependencies allow.

#include "resolver/lookup.hpp"
#include "resolver/mail_route.hpp"

#include <string>

#include <boost/asio/awaitable.hpp>

namespace resolver {

class channel;

/// Runs all lookups for `domain` with as much concurrency as their dependencies allow.
boost::asio::awaitable<mail_lookup> async_mail_lookup(channel& ch, std::string domain);

} // namespace resolver
