#include "probe/host_probe.hpp"

#include "probe/address_class.hpp"
#include "probe/enumerate.hpp"

#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

namespace asio = boost::asio;

namespace {

std::string ended_with(const session_result& s) {
    if (s.banner_code != 0) {
        return std::to_string(s.banner_code) + (s.banner.empty() ? "" : " " + s.banner.front());
    }
    return std::string(to_string(s.outcome)) + " at " + std::string(to_string(s.failed_phase)) +
           (s.error.empty() ? "" : ": " + s.error);
}

asio::awaitable<void> async_sleep(std::chrono::milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
}

// Runs one session under `ticket`; once it has taken `slow_after`, the active slot goes back.
asio::awaitable<session_result> async_session_under(const std::shared_ptr<budget_ticket>& ticket,
                                                    const host_probe_target& t,
                                                    const host_probe_options& o,
                                                    asio::ssl::context& tls, bool& slow) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer watch(ex, o.slow_after);
    // The handler may run after this frame is gone (cancelled at the end): it holds nothing
    // of the frame's but weak and shared pointers.
    auto became_slow = std::make_shared<bool>(false);
    watch.async_wait(
        [weak = std::weak_ptr<budget_ticket>(ticket), became_slow](boost::system::error_code ec) {
            if (ec) {
                return;
            }
            if (auto held = weak.lock()) {
                held->release_active();
                *became_slow = true;
            }
        });
    session_result r =
        co_await async_smtp_session(asio::ip::tcp::endpoint(t.ip, t.port), t.host, o.session, tls);
    watch.cancel();
    slow = slow || *became_slow;
    co_return r;
}

} // namespace

asio::awaitable<host_probe_result> async_probe_host(host_probe_target t, host_probe_options o,
                                                    probe_budget& budget,
                                                    const provider_classifier& providers,
                                                    asio::ssl::context& tls) {
    host_probe_result out;
    out.session.host = t.host;
    out.session.ip = t.ip.to_string();
    out.session.port = t.port;
    if (const auto reason = special_address_reason(t.ip); reason && !o.allow_private) {
        out.session.outcome = status::address_refused;
        out.session.failed_phase = phase::address;
        out.session.error = "refusing to connect to " + t.ip.to_string() + ": " + *reason +
                            " address (allow_private / --allow-private to probe it)";
        co_return out;
    }
    const std::vector<std::string> groups = providers.groups(t.host, t.ip);
    auto delay = o.retry_delay;
    std::shared_ptr<budget_ticket> ticket;
    for (int attempt = 0; attempt <= o.retries; ++attempt) {
        if (attempt > 0) {
            ticket.reset(); // waiting out a rate limit costs a timer, not a slot
            co_await async_sleep(delay);
            delay *= 2;
        }
        const auto asked = std::chrono::steady_clock::now();
        ticket = std::make_shared<budget_ticket>(
            co_await budget.async_acquire(t.ip.to_string(), groups));
        out.queued += std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - asked);
        out.session = co_await async_session_under(ticket, t, o, tls, out.slow);
        ++out.attempts;
        if (!looks_rate_limited(out.session)) {
            break;
        }
        if (attempt < o.retries) {
            out.retried_after.push_back(ended_with(out.session));
        }
    }
    out.rate_limited = looks_rate_limited(out.session);
    if (o.enumerate && out.session.starttls_accepted && out.session.tls) {
        // Same grants: the enumeration's connections follow one another to this IP.
        out.enumeration =
            co_await async_enumerate(asio::ip::tcp::endpoint(t.ip, t.port), t.host, o.session);
    }
    co_return out;
}

} // namespace probe
