#pragma once
// How many probes may run at once, and against whom. A scan's limit in the field is not CPU
// but receivers' rate limits, so every connection needs four grants: a global active slot
// (probes doing work), a global connection slot (sockets open, slow ones included), a slot
// for its IP address (default one connection per IP), and a slot in each provider group it
// belongs to (MX hosts under one registered domain, or in one /24, share a budget). After a
// connection to an IP ends, the next one waits `ip_spacing`. Waiters are served first come,
// first served among those whose limits allow it, so one busy IP never holds up the others.
// Single-threaded: all calls on the io_context's thread.

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace probe {

struct budget_options {
    std::size_t max_active = 500;              ///< probes doing work (handshakes) at once
    std::size_t max_connections = 4000;        ///< sockets open at once, slow probes included
    std::size_t per_ip = 1;                    ///< connections at once to one IP address
    std::size_t per_group = 8;                 ///< connections at once to one provider group
    std::chrono::milliseconds ip_spacing{500}; ///< between connections to one IP
};

class probe_budget;

/// The grants of one connection; gives them back when destroyed. Safe to outlive the
/// budget (a scan torn down mid-way): it then gives back nothing.
class budget_ticket {
  public:
    budget_ticket() = default;
    budget_ticket(budget_ticket&& other) noexcept;
    budget_ticket& operator=(budget_ticket&& other) noexcept;
    budget_ticket(const budget_ticket&) = delete;
    budget_ticket& operator=(const budget_ticket&) = delete;
    ~budget_ticket();

    /// Gives back the active slot but keeps the connection, IP and group slots: a slow peer
    /// (a tarpit) then costs a socket and a timer, not a slot in everybody's way.
    void release_active();
    [[nodiscard]] bool holds_active() const { return active_; }

  private:
    friend class probe_budget;
    struct state;
    std::weak_ptr<state> budget_;
    std::string ip_;
    std::vector<std::string> groups_;
    bool held_ = false;
    bool active_ = false;
    void release();
};

class probe_budget {
  public:
    probe_budget(const boost::asio::any_io_executor& executor, budget_options options);
    ~probe_budget();
    probe_budget(const probe_budget&) = delete;
    probe_budget& operator=(const probe_budget&) = delete;

    /// Waits until a connection to `ip`, in provider `groups`, is allowed.
    boost::asio::awaitable<budget_ticket> async_acquire(std::string ip,
                                                        std::vector<std::string> groups);

    [[nodiscard]] std::size_t active() const;
    [[nodiscard]] std::size_t connections() const;
    [[nodiscard]] std::size_t waiting() const;
    [[nodiscard]] const budget_options& options() const;

  private:
    std::shared_ptr<budget_ticket::state> state_;
};

} // namespace probe
