// The politeness budget on its own: grants follow the global, per-IP and per-group caps, are
// served first come first served among those the caps allow, respect the spacing between
// connections to one IP, and a slow holder can give its active slot back.

#include "probe/probe_budget.hpp"

#include <memory>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <doctest/doctest.h>

namespace asio = boost::asio;
using probe::budget_options;
using probe::budget_ticket;
using probe::probe_budget;
using std::chrono::milliseconds;

namespace {

struct log_entry {
    std::string who;
    std::chrono::steady_clock::time_point at;
};

// Takes a ticket for `ip`, notes when, holds it for `hold`, then lets go.
asio::awaitable<void> async_user(probe_budget& budget, std::string who, std::string ip,
                                 std::vector<std::string> groups, milliseconds hold,
                                 std::vector<log_entry>& log) {
    budget_ticket t = co_await budget.async_acquire(ip, std::move(groups));
    log.push_back({who, std::chrono::steady_clock::now()});
    asio::steady_timer timer(co_await asio::this_coro::executor, hold);
    co_await timer.async_wait(asio::use_awaitable);
}

std::vector<std::string> order(const std::vector<log_entry>& log) {
    std::vector<std::string> out;
    out.reserve(log.size());
    for (const auto& e : log) {
        out.push_back(e.who);
    }
    return out;
}

budget_options no_spacing() {
    budget_options o;
    o.ip_spacing = milliseconds(0);
    return o;
}

} // namespace

TEST_SUITE("probe.probe_budget") {

    TEST_CASE("one connection per IP: the second waits, another IP does not") {
        asio::io_context io;
        probe_budget budget(io.get_executor(), no_spacing());
        std::vector<log_entry> log;
        for (const char* who : {"a1", "a2", "b1"}) {
            const std::string ip = who[0] == 'a' ? "192.0.2.1" : "192.0.2.2";
            asio::co_spawn(io, async_user(budget, who, ip, {}, milliseconds(50), log),
                           asio::detached);
        }
        io.run();
        // b1 is not held up behind a2, which waits for a1's IP.
        CHECK(order(log) == std::vector<std::string>{"a1", "b1", "a2"});
        CHECK(log[2].at - log[0].at >= milliseconds(45));
        CHECK(budget.active() == 0);
        CHECK(budget.connections() == 0);
        CHECK(budget.waiting() == 0);
    }

    TEST_CASE("the global cap bounds what runs at once, waiters go in arrival order") {
        asio::io_context io;
        budget_options o = no_spacing();
        o.max_active = 2;
        probe_budget budget(io.get_executor(), o);
        std::vector<log_entry> log;
        std::size_t most = 0;
        for (int i = 0; i < 6; ++i) {
            asio::co_spawn(io,
                           async_user(budget, "u" + std::to_string(i),
                                      "192.0.2." + std::to_string(i + 1), {}, milliseconds(20),
                                      log),
                           asio::detached);
        }
        while (io.run_one() != 0) {
            most = std::max(most, budget.active());
        }
        CHECK(most == 2);
        CHECK(order(log) == std::vector<std::string>{"u0", "u1", "u2", "u3", "u4", "u5"});
    }

    TEST_CASE("a provider group shares a cap across its IPs") {
        asio::io_context io;
        budget_options o = no_spacing();
        o.per_group = 1;
        probe_budget budget(io.get_executor(), o);
        std::vector<log_entry> log;
        asio::co_spawn(
            io,
            async_user(budget, "p1", "198.51.100.1", {"domain:p.example"}, milliseconds(40), log),
            asio::detached);
        asio::co_spawn(
            io,
            async_user(budget, "p2", "198.51.100.2", {"domain:p.example"}, milliseconds(10), log),
            asio::detached);
        asio::co_spawn(
            io,
            async_user(budget, "q1", "203.0.113.1", {"domain:q.example"}, milliseconds(10), log),
            asio::detached);
        io.run();
        CHECK(order(log) == std::vector<std::string>{"p1", "q1", "p2"});
        CHECK(log[2].at - log[0].at >= milliseconds(35));
    }

    TEST_CASE("after a connection to an IP ends, the next one waits the spacing") {
        asio::io_context io;
        budget_options o;
        o.ip_spacing = milliseconds(100);
        probe_budget budget(io.get_executor(), o);
        std::vector<log_entry> log;
        asio::co_spawn(io, async_user(budget, "first", "192.0.2.9", {}, milliseconds(0), log),
                       asio::detached);
        asio::co_spawn(io, async_user(budget, "second", "192.0.2.9", {}, milliseconds(0), log),
                       asio::detached);
        asio::co_spawn(io, async_user(budget, "other", "192.0.2.10", {}, milliseconds(0), log),
                       asio::detached);
        io.run();
        REQUIRE(log.size() == 3);
        CHECK(order(log) == std::vector<std::string>{"first", "other", "second"});
        CHECK(log[2].at - log[0].at >= milliseconds(95));
    }

    TEST_CASE("release_active lets the next probe in while the slow one keeps its IP") {
        asio::io_context io;
        budget_options o = no_spacing();
        o.max_active = 1;
        probe_budget budget(io.get_executor(), o);
        std::vector<log_entry> log;
        auto slow = [&]() -> asio::awaitable<void> {
            budget_ticket t = co_await budget.async_acquire("192.0.2.20", {});
            log.push_back({"slow", std::chrono::steady_clock::now()});
            t.release_active();
            CHECK_FALSE(t.holds_active());
            asio::steady_timer timer(co_await asio::this_coro::executor, milliseconds(60));
            co_await timer.async_wait(asio::use_awaitable);
            CHECK(budget.connections() >= 1);
        };
        asio::co_spawn(io, slow(), asio::detached);
        asio::co_spawn(io, async_user(budget, "fast", "192.0.2.21", {}, milliseconds(0), log),
                       asio::detached);
        asio::co_spawn(io, async_user(budget, "same-ip", "192.0.2.20", {}, milliseconds(0), log),
                       asio::detached);
        io.run();
        REQUIRE(log.size() == 3);
        CHECK(order(log) == std::vector<std::string>{"slow", "fast", "same-ip"});
        CHECK(log[1].at - log[0].at < milliseconds(50));  // did not wait for the slow one
        CHECK(log[2].at - log[0].at >= milliseconds(55)); // its IP stayed taken
    }

    TEST_CASE("tickets and waiters may outlive the budget (a scan torn down mid-way)") {
        auto io = std::make_unique<asio::io_context>();
        auto budget = std::make_unique<probe_budget>(io->get_executor(), no_spacing());
        std::vector<log_entry> log;
        asio::co_spawn(*io, async_user(*budget, "holder", "192.0.2.30", {}, milliseconds(500), log),
                       asio::detached);
        asio::co_spawn(*io, async_user(*budget, "waiter", "192.0.2.30", {}, milliseconds(0), log),
                       asio::detached);
        io->run_for(milliseconds(20));
        CHECK(budget->waiting() == 1);
        budget.reset(); // frames still hold a ticket and a waiter
        io.reset();     // destroying them must not touch the budget
        CHECK(log.size() == 1);
    }
}
