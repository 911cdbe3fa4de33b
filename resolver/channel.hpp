#pragma once
// One c-ares channel driven by an Asio executor: c-ares' sockets are watched with
// posix::stream_descriptor waits and its retransmission timeouts by one steady_timer, so
// DNS runs in the same event loop as everything else, without a thread and without polling.

#include "resolver/server_address.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

struct ares_channeldata;

namespace resolver {

/// Process-wide c-ares initialisation (ares_library_init); one instance, held by main().
class library {
  public:
    library();
    ~library();
    library(const library&) = delete;
    library& operator=(const library&) = delete;
};

struct channel_options {
    /// Servers to ask, in order. Empty means the system configuration (/etc/resolv.conf).
    std::vector<server_address> servers;
    /// Time for the first try at each server; c-ares doubles it on each later round.
    std::chrono::milliseconds try_timeout{2000};
    int tries = 2;
    /// Advertised EDNS(0) UDP payload size; 1232 avoids IP fragmentation (DNS flag day 2020).
    std::uint16_t edns_udp_size = 1232;
    /// SO_RCVBUF of the UDP socket; the kernel caps it at net.core.rmem_max. Answers to a
    /// thousand queries in flight overflow Linux's default (about 208 KiB) and are dropped.
    int udp_receive_buffer = 4 * 1024 * 1024;
};

class channel {
  public:
    /// Throws std::runtime_error naming the c-ares error when the channel cannot be set up.
    channel(boost::asio::any_io_executor executor, channel_options options);
    ~channel();
    channel(const channel&) = delete;
    channel& operator=(const channel&) = delete;

    [[nodiscard]] boost::asio::any_io_executor get_executor() const { return executor_; }
    [[nodiscard]] const channel_options& options() const { return options_; }

    /// The raw c-ares handle, for the query bridge (query.cpp) only.
    [[nodiscard]] ares_channeldata* native() const { return native_; }

    /// Bookkeeping by the query bridge, in this order: before ares_send (which may complete
    /// the query at once), after it, and from the query's completion callback.
    void query_starting() { ++queries_in_flight_; }
    void query_sent() { keep_timer_armed(); }
    void query_completed();

  private:
    struct watch;
    static void on_socket_state(void* self, int fd, int readable, int writable);
    void update_watch(int fd, bool readable, bool writable);
    void arm(int fd);
    void process(int read_fd, int write_fd);
    void rearm_timer();
    void keep_timer_armed();

    boost::asio::any_io_executor executor_;
    channel_options options_;
    ares_channeldata* native_ = nullptr;
    boost::asio::steady_timer timer_;
    bool timer_armed_ = false;
    std::size_t queries_in_flight_ = 0;
    std::map<int, std::unique_ptr<watch>> watches_;
    std::uint64_t next_generation_ = 0;
    /// Completions already queued when the channel is destroyed see this expire.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

} // namespace resolver
