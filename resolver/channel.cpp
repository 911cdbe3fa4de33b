#include "resolver/channel.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <stdexcept>
#include <string>

#include <ares.h>
#include <boost/asio/error.hpp>

namespace resolver {

namespace asio = boost::asio;

library::library() {
    if (const int rc = ares_library_init(ARES_LIB_INIT_ALL); rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("c-ares library initialisation failed: ") +
                                 ares_strerror(rc));
    }
}

library::~library() {
    ares_library_cleanup();
}

struct channel::watch {
    explicit watch(const asio::any_io_executor& ex, int fd, std::uint64_t gen)
        : descriptor(ex, fd), generation(gen) {}
    asio::posix::stream_descriptor descriptor;
    std::uint64_t generation;
    bool want_read = false;
    bool want_write = false;
    bool read_pending = false;
    bool write_pending = false;
};

namespace {

// Hands our server list to c-ares, which copies it.
void apply_servers(ares_channel ch, const std::vector<server_address>& servers) {
    std::vector<ares_addr_port_node> nodes(servers.size());
    for (std::size_t i = 0; i < servers.size(); ++i) {
        ares_addr_port_node& n = nodes[i];
        std::memset(&n, 0, sizeof n);
        n.family = servers[i].is_ipv6 ? AF_INET6 : AF_INET;
        void* dst = servers[i].is_ipv6 ? static_cast<void*>(&n.addr.addr6)
                                       : static_cast<void*>(&n.addr.addr4);
        if (inet_pton(n.family, servers[i].ip.c_str(), dst) != 1) {
            throw std::invalid_argument("resolver address '" + servers[i].ip + "' is not numeric");
        }
        n.udp_port = servers[i].port;
        n.tcp_port = servers[i].port;
        n.next = i + 1 < servers.size() ? &nodes[i + 1] : nullptr;
    }
    if (const int rc = ares_set_servers_ports(ch, nodes.data()); rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("cannot set DNS servers: ") + ares_strerror(rc));
    }
}

} // namespace

channel::channel(asio::any_io_executor executor, channel_options options)
    : executor_(std::move(executor)), options_(std::move(options)), timer_(executor_) {
    ares_options opts{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
               ARES_OPT_EDNSPSZ | ARES_OPT_SOCK_RCVBUF;
    // EDNS: accept UDP answers up to the size we advertise instead of retrying over TCP.
    // NOCHECKRESP: hand SERVFAIL and REFUSED answers to us instead of turning them into a
    // generic "could not contact servers"; a validator's SERVFAIL is a DNSSEC verdict.
    opts.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP;
    opts.ednspsz = options_.edns_udp_size;
    opts.socket_receive_buffer_size = options_.udp_receive_buffer;
    opts.sock_state_cb = &channel::on_socket_state;
    opts.sock_state_cb_data = this;
    opts.timeout = static_cast<int>(options_.try_timeout.count());
    opts.tries = options_.tries;

    // With explicit servers, every setting c-ares would otherwise take from the system is
    // given here, so it never opens /etc/resolv.conf (tests and the lab must not depend on
    // the machine's DNS). The placeholder server is replaced right after initialisation.
    char lookups[] = "b";
    in_addr placeholder{};
    placeholder.s_addr = htonl(INADDR_LOOPBACK);
    if (!options_.servers.empty()) {
        mask |= ARES_OPT_SERVERS | ARES_OPT_DOMAINS | ARES_OPT_NDOTS | ARES_OPT_LOOKUPS |
                ARES_OPT_SORTLIST;
        opts.servers = &placeholder;
        opts.nservers = 1;
        opts.ndomains = 0;
        opts.ndots = 1;
        opts.lookups = lookups;
        opts.nsort = 0;
    }
    if (const int rc = ares_init_options(&native_, &opts, mask); rc != ARES_SUCCESS) {
        throw std::runtime_error(std::string("cannot create a DNS channel: ") + ares_strerror(rc));
    }
    if (!options_.servers.empty()) {
        try {
            apply_servers(native_, options_.servers);
        } catch (...) {
            ares_destroy(native_);
            throw;
        }
    }
}

channel::~channel() {
    alive_.reset();
    timer_.cancel();
    // ares_destroy completes pending queries with ARES_EDESTRUCTION and reports every
    // socket as no longer wanted, which releases the descriptors below.
    ares_destroy(native_);
    for (auto& [fd, w] : watches_) {
        boost::system::error_code ignored;
        w->descriptor.cancel(ignored);
        (void)w->descriptor.release();
    }
}

void channel::on_socket_state(void* self, int fd, int readable, int writable) {
    static_cast<channel*>(self)->update_watch(fd, readable != 0, writable != 0);
}

void channel::update_watch(int fd, bool readable, bool writable) {
    auto it = watches_.find(fd);
    if (!readable && !writable) {
        // Called before c-ares closes the socket: stop watching and hand the descriptor
        // back without closing it (c-ares owns the fd).
        if (it != watches_.end()) {
            boost::system::error_code ignored;
            it->second->descriptor.cancel(ignored);
            (void)it->second->descriptor.release();
            watches_.erase(it);
        }
        return;
    }
    if (it == watches_.end()) {
        it = watches_.emplace(fd, std::make_unique<watch>(executor_, fd, ++next_generation_)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    arm(fd);
}

void channel::arm(int fd) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) {
        return;
    }
    watch& w = *it->second;
    const std::uint64_t gen = w.generation;
    // A completion may arrive after the socket was closed and its number reused; the
    // generation tells the stale completion apart from the new socket's.
    auto on_ready = [this, fd, gen](bool is_read) {
        return [this, alive = std::weak_ptr<int>(alive_), fd, gen,
                is_read](const boost::system::error_code& ec) {
            if (ec == asio::error::operation_aborted || alive.expired()) {
                return; // the watch was released or the channel is gone
            }
            auto found = watches_.find(fd);
            if (found == watches_.end() || found->second->generation != gen) {
                return;
            }
            (is_read ? found->second->read_pending : found->second->write_pending) = false;
            if (is_read) {
                process(fd, ARES_SOCKET_BAD);
            } else {
                process(ARES_SOCKET_BAD, fd);
            }
            arm(fd);
        };
    };
    if (w.want_read && !w.read_pending) {
        w.read_pending = true;
        w.descriptor.async_wait(asio::posix::descriptor_base::wait_read, on_ready(true));
    }
    if (w.want_write && !w.write_pending) {
        w.write_pending = true;
        w.descriptor.async_wait(asio::posix::descriptor_base::wait_write, on_ready(false));
    }
}

void channel::process(int read_fd, int write_fd) {
    ares_process_fd(native_, read_fd, write_fd);
    keep_timer_armed();
}

void channel::query_completed() {
    if (queries_in_flight_ > 0) {
        --queries_in_flight_;
    }
}

void channel::keep_timer_armed() {
    if (queries_in_flight_ == 0) {
        timer_.cancel(); // nothing in flight: let the event loop finish
        timer_armed_ = false;
        return;
    }
    // Any query submitted or retried now is due a full try from now at the earliest, so a
    // timer already due before that stays right. Skipping ares_timeout (which walks every
    // query in flight) keeps a thousand concurrent lookups from costing O(n^2).
    if (timer_armed_ &&
        timer_.expiry() <= std::chrono::steady_clock::now() + options_.try_timeout) {
        return;
    }
    rearm_timer();
}

void channel::rearm_timer() {
    timeval next{};
    if (ares_timeout(native_, nullptr, &next) == nullptr) {
        timer_.cancel(); // nothing in flight
        timer_armed_ = false;
        return;
    }
    timer_armed_ = true;
    timer_.expires_after(std::chrono::seconds(next.tv_sec) +
                         std::chrono::microseconds(next.tv_usec));
    timer_.async_wait(
        [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
            if (ec == asio::error::operation_aborted || alive.expired()) {
                return;
            }
            timer_armed_ = false;
            ares_process_fd(native_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            // Deadlines passed: recompute from c-ares rather than trusting the shortcut.
            if (queries_in_flight_ > 0) {
                rearm_timer();
            }
        });
}

} // namespace resolver
