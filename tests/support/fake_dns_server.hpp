#pragma once
// An in-process DNS server for loopback tests: UDP and TCP on the same ephemeral port of
// 127.0.0.1 or ::1, running its own io_context on its own thread so the code under test can
// drive its io_context on the test's thread. Each test scripts it with one handler that maps
// a parsed query to a response (bytes, silence, or "truncated on UDP").

#include "tests/support/dns_packet_builder.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

namespace mxprobe_test {

enum class transport { udp, tcp };

struct query {
    std::uint16_t id = 0;
    std::string name; ///< lower case, no trailing dot ("" for the root)
    std::uint16_t type = 0;
    std::uint16_t flags = 0;         ///< the header's flags word, RCODE bits included
    std::uint16_t edns_udp_size = 0; ///< from the OPT record; 0 when the query had none
    transport via = transport::udp;

    [[nodiscard]] bool has_flag(std::uint16_t bit) const { return (flags & bit) != 0; }
};

struct response {
    enum class kind { reply, no_reply, truncated_on_udp };
    kind what = kind::no_reply;
    bytes message;        ///< the id is overwritten with the query's before sending
    bool keep_id = false; ///< send the id `message` carries, e.g. to answer with the wrong one

    response() = default;
    response(bytes b) : what(kind::reply), message(std::move(b)) {} // NOLINT: implicit on purpose
    response(const dns_packet_builder& b) : response(b.build()) {}  // NOLINT: implicit on purpose

    static response drop() { return {}; }
    /// Over UDP: TC=1, the question echoed, no records. Over TCP: `full` as it is.
    static response truncated_on_udp(bytes full);
    /// `b` with the id it carries, not the query's (a spoofed or stale answer).
    static response with_own_id(bytes b);
};

/// A response builder pre-filled from the query: its id, its question, QR/RD/RA set.
dns_packet_builder reply_to(const query& q);

using query_handler = std::function<response(const query&)>;

class fake_dns_server {
  public:
    /// Binds `address` (a numeric loopback address) on an ephemeral port shared by UDP and
    /// TCP and starts serving. Throws when it cannot bind.
    explicit fake_dns_server(query_handler handler, std::string address = "127.0.0.1");
    ~fake_dns_server();
    fake_dns_server(const fake_dns_server&) = delete;
    fake_dns_server& operator=(const fake_dns_server&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] const std::string& address() const { return address_; }

    /// Replaces the handler; takes effect from the next query.
    void set_handler(query_handler handler);
    /// When on (the default), a UDP reply larger than the query's EDNS payload size (512
    /// without EDNS) is replaced by a TC=1 reply, as a real server does.
    void set_auto_truncate(bool on) { auto_truncate_ = on; }

    [[nodiscard]] std::size_t udp_queries() const { return udp_count_; }
    [[nodiscard]] std::size_t tcp_queries() const { return tcp_count_; }
    /// Every query parsed so far, in arrival order.
    [[nodiscard]] std::vector<query> queries() const;

    /// Whether a socket can be bound on ::1 (IPv6 loopback may be disabled in containers).
    static bool ipv6_loopback_available();

  private:
    void bind_shared_port();
    boost::asio::awaitable<void> udp_loop();
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> tcp_session(boost::asio::ip::tcp::socket socket);
    /// Parses, records and answers one query; returns the bytes to send (empty: send nothing).
    bytes handle(const bytes& packet, transport via);

    std::string address_;
    query_handler handler_;
    mutable std::mutex mutex_;
    std::vector<query> log_;
    std::atomic<std::size_t> udp_count_{0};
    std::atomic<std::size_t> tcp_count_{0};
    std::atomic<bool> auto_truncate_{true};

    boost::asio::io_context io_;
    boost::asio::ip::udp::socket udp_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

/// Parses the header, question and OPT record of a query. Returns the offset just past the
/// question section, or 0 when the bytes are not a query the fake server understands.
std::size_t parse_query(const bytes& packet, query& out);

} // namespace mxprobe_test
