#include "probe/probe_budget.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {

struct waiter {
    std::string ip;
    std::vector<std::string> groups;
    asio::steady_timer timer;
    bool granted = false;
};

} // namespace

struct budget_ticket::state {
    asio::any_io_executor executor;
    budget_options options;
    std::size_t active = 0;
    std::size_t connections = 0;
    std::map<std::string, std::size_t> per_ip;
    std::map<std::string, std::size_t> per_group;
    std::map<std::string, clock::time_point> ip_ready; ///< no new connection before this
    std::list<waiter*> waiters;
    asio::steady_timer spacing_timer;
    clock::time_point spacing_due = clock::time_point::max();

    state(const asio::any_io_executor& ex, budget_options o)
        : executor(ex), options(o), spacing_timer(ex) {}

    [[nodiscard]] bool globally_full() const {
        return active >= options.max_active || connections >= options.max_connections;
    }

    [[nodiscard]] bool peers_allow(const waiter& w) const {
        if (auto it = per_ip.find(w.ip); it != per_ip.end() && it->second >= options.per_ip) {
            return false;
        }
        return std::all_of(w.groups.begin(), w.groups.end(), [&](const std::string& g) {
            const auto it = per_group.find(g);
            return it == per_group.end() || it->second < options.per_group;
        });
    }

    // When the IP's spacing ends; the past means "now".
    [[nodiscard]] clock::time_point ready_at(const std::string& ip) const {
        const auto it = ip_ready.find(ip);
        return it == ip_ready.end() ? clock::time_point::min() : it->second;
    }

    void grant(waiter& w) {
        ++active;
        ++connections;
        ++per_ip[w.ip];
        for (const auto& g : w.groups) {
            ++per_group[g];
        }
        w.granted = true;
        w.timer.cancel();
    }

    void dispatch(const std::shared_ptr<state>& self) {
        const auto now = clock::now();
        auto earliest = clock::time_point::max();
        for (auto it = waiters.begin(); it != waiters.end() && !globally_full();) {
            waiter& w = **it;
            if (!peers_allow(w)) {
                ++it;
                continue;
            }
            if (const auto ready = ready_at(w.ip); ready > now) {
                earliest = std::min(earliest, ready);
                ++it;
                continue;
            }
            ip_ready.erase(w.ip);
            grant(w);
            it = waiters.erase(it);
        }
        if (earliest != clock::time_point::max() && earliest < spacing_due) {
            // Someone waits only for an IP's spacing to pass: look again when it has.
            spacing_due = earliest;
            spacing_timer.expires_at(earliest);
            spacing_timer.async_wait(
                [weak = std::weak_ptr<state>(self)](boost::system::error_code ec) {
                    if (ec) {
                        return;
                    }
                    if (auto s = weak.lock()) {
                        s->spacing_due = clock::time_point::max();
                        s->dispatch(s);
                    }
                });
        }
    }
};

budget_ticket::budget_ticket(budget_ticket&& other) noexcept
    : budget_(std::move(other.budget_)), ip_(std::move(other.ip_)),
      groups_(std::move(other.groups_)), held_(other.held_), active_(other.active_) {
    other.held_ = false;
    other.active_ = false;
}

budget_ticket& budget_ticket::operator=(budget_ticket&& other) noexcept {
    if (this != &other) {
        release();
        budget_ = std::move(other.budget_);
        ip_ = std::move(other.ip_);
        groups_ = std::move(other.groups_);
        held_ = other.held_;
        active_ = other.active_;
        other.held_ = false;
        other.active_ = false;
    }
    return *this;
}

budget_ticket::~budget_ticket() {
    release();
}

void budget_ticket::release_active() {
    if (!active_) {
        return;
    }
    active_ = false;
    if (auto s = budget_.lock()) {
        --s->active;
        s->dispatch(s);
    }
}

void budget_ticket::release() {
    if (!held_) {
        return;
    }
    held_ = false;
    auto s = budget_.lock();
    if (!s) {
        return;
    }
    if (active_) {
        --s->active;
        active_ = false;
    }
    --s->connections;
    if (auto it = s->per_ip.find(ip_); it != s->per_ip.end() && --it->second == 0) {
        s->per_ip.erase(it);
    }
    for (const auto& g : groups_) {
        if (auto it = s->per_group.find(g); it != s->per_group.end() && --it->second == 0) {
            s->per_group.erase(it);
        }
    }
    if (s->options.ip_spacing.count() > 0) {
        s->ip_ready[ip_] = clock::now() + s->options.ip_spacing;
    }
    s->dispatch(s);
}

probe_budget::probe_budget(const asio::any_io_executor& executor, budget_options options)
    : state_(std::make_shared<budget_ticket::state>(executor, options)) {}

probe_budget::~probe_budget() = default;

asio::awaitable<budget_ticket> probe_budget::async_acquire(std::string ip,
                                                           std::vector<std::string> groups) {
    auto& s = *state_;
    waiter w{std::move(ip), std::move(groups), asio::steady_timer(s.executor)};
    // Only the first in line may skip the queue, so a waiter is never overtaken forever.
    if (s.waiters.empty() && !s.globally_full() && s.peers_allow(w) &&
        s.ready_at(w.ip) <= clock::now()) {
        s.ip_ready.erase(w.ip);
        s.grant(w);
    } else {
        // The frame owns `w`; should the scan be torn down while it waits, the budget goes
        // first and nobody looks at the list again.
        std::weak_ptr<budget_ticket::state> weak = state_;
        s.waiters.push_back(&w);
        struct unlink {
            std::weak_ptr<budget_ticket::state> weak;
            waiter* w;
            ~unlink() {
                if (auto st = weak.lock(); st && !w->granted) {
                    st->waiters.remove(w);
                }
            }
        } guard{weak, &w};
        s.dispatch(state_);
        while (!w.granted) {
            w.timer.expires_at(clock::time_point::max());
            auto [ec] = co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
            (void)ec;
        }
    }
    budget_ticket t;
    t.budget_ = state_;
    t.ip_ = std::move(w.ip);
    t.groups_ = std::move(w.groups);
    t.held_ = true;
    t.active_ = true;
    co_return t;
}

std::size_t probe_budget::active() const {
    return state_->active;
}
std::size_t probe_budget::connections() const {
    return state_->connections;
}
std::size_t probe_budget::waiting() const {
    return state_->waiters.size();
}
const budget_options& probe_budget::options() const {
    return state_->options;
}

} // namespace probe
