#include "tests/support/fake_dns_server.hpp"
#include "probe/use_tuple.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace mxprobe_test {

namespace net = boost::asio;
using net::ip::tcp;
using net::ip::udp;

namespace {

using probe::use_tuple;
constexpr std::size_t header_size = 12;

std::uint16_t get_u16(const bytes& b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// The TC=1 stand-in for `full`: same id, flags and RCODE, the query's question, no records.
bytes truncated_form(const bytes& full, const bytes& query_packet, std::size_t question_end) {
    std::uint16_t flags = full.size() >= 4 ? get_u16(full, 2) : flag::qr;
    bytes out = header(get_u16(query_packet, 0), static_cast<std::uint16_t>(flags | flag::tc),
                       static_cast<std::uint8_t>(flags & 0x0f), 1, 0);
    out.insert(out.end(), query_packet.begin() + header_size,
               query_packet.begin() + static_cast<std::ptrdiff_t>(question_end));
    return out;
}

} // namespace

response response::truncated_on_udp(bytes full) {
    response r(std::move(full));
    r.what = kind::truncated_on_udp;
    return r;
}

response response::with_own_id(bytes b) {
    response r(std::move(b));
    r.keep_id = true;
    return r;
}

dns_packet_builder reply_to(const query& q) {
    dns_packet_builder b;
    b.id(q.id).question(q.name, q.type);
    b.set_flag(flag::rd, q.has_flag(flag::rd));
    return b;
}

std::size_t parse_query(const bytes& packet, query& out) {
    if (packet.size() < header_size) {
        return 0;
    }
    out.id = get_u16(packet, 0);
    out.flags = get_u16(packet, 2);
    if (get_u16(packet, 4) != 1) {
        return 0;
    }
    std::size_t at = header_size;
    std::string name;
    while (true) {
        if (at >= packet.size()) {
            return 0;
        }
        std::size_t len = packet[at++];
        if (len == 0) {
            break;
        }
        // Queries are never compressed; anything but a plain label is refused.
        if (len > 63 || at + len > packet.size()) {
            return 0;
        }
        if (!name.empty()) {
            name += '.';
        }
        for (std::size_t i = 0; i < len; ++i) {
            name += static_cast<char>(std::tolower(packet[at + i]));
        }
        at += len;
    }
    if (at + 4 > packet.size()) {
        return 0;
    }
    out.name = std::move(name);
    out.type = get_u16(packet, at);
    const std::size_t question_end = at + 4;

    // Look for an OPT record (root owner, type 41) among the additional records; its CLASS
    // is the requestor's UDP payload size (RFC 6891 §6.1.2).
    out.edns_udp_size = 0;
    at = question_end;
    for (std::uint16_t i = 0, n = get_u16(packet, 10); i < n; ++i) {
        if (at + 11 > packet.size() || packet[at] != 0) {
            break;
        }
        std::uint16_t type = get_u16(packet, at + 1);
        std::uint16_t cls = get_u16(packet, at + 3);
        std::uint16_t rdlength = get_u16(packet, at + 9);
        if (type == qtype::opt) {
            out.edns_udp_size = cls;
        }
        at += 11 + rdlength;
    }
    return question_end;
}

fake_dns_server::fake_dns_server(query_handler handler, std::string address)
    : address_(std::move(address)), handler_(std::move(handler)), udp_(io_), acceptor_(io_) {
    bind_shared_port();
    net::co_spawn(io_, udp_loop(), net::detached);
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
}

fake_dns_server::~fake_dns_server() {
    // Sessions may be parked in reads on connections the resolver keeps open, so the loop is
    // stopped rather than drained; pending coroutine frames are destroyed with io_.
    io_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void fake_dns_server::bind_shared_port() {
    const auto ip = net::ip::make_address(address_);
    // UDP picks the port; TCP must get the same one. Another process may hold the TCP port,
    // so start over with a fresh UDP port a few times before giving up.
    for (int attempt = 0; attempt < 20; ++attempt) {
        boost::system::error_code ec;
        udp_ = udp::socket(io_);
        udp_.open(ip.is_v6() ? udp::v6() : udp::v4(), ec);
        if (!ec) {
            udp_.bind(udp::endpoint(ip, 0), ec);
        }
        if (ec) {
            throw std::runtime_error("fake_dns_server: cannot bind UDP on " + address_ + ": " +
                                     ec.message());
        }
        port_ = udp_.local_endpoint().port();
        acceptor_ = tcp::acceptor(io_);
        tcp::endpoint ep(ip, port_);
        acceptor_.open(ep.protocol(), ec);
        if (!ec) {
            acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor_.bind(ep, ec);
        }
        if (!ec) {
            acceptor_.listen(net::socket_base::max_listen_connections, ec);
        }
        if (!ec) {
            return;
        }
        udp_.close();
        acceptor_.close();
    }
    throw std::runtime_error("fake_dns_server: no port free for both UDP and TCP on " + address_);
}

void fake_dns_server::set_handler(query_handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

std::vector<query> fake_dns_server::queries() const {
    std::lock_guard lock(mutex_);
    return log_;
}

bool fake_dns_server::ipv6_loopback_available() {
    net::io_context io;
    udp::socket s(io);
    boost::system::error_code ec;
    s.open(udp::v6(), ec);
    if (!ec) {
        s.bind(udp::endpoint(net::ip::address_v6::loopback(), 0), ec);
    }
    return !ec;
}

bytes fake_dns_server::handle(const bytes& packet, transport via) {
    query q;
    q.via = via;
    const std::size_t question_end = parse_query(packet, q);
    if (question_end == 0) {
        return {};
    }
    (via == transport::udp ? udp_count_ : tcp_count_)++;
    query_handler handler;
    {
        std::lock_guard lock(mutex_);
        log_.push_back(q);
        handler = handler_;
    }
    response r;
    try {
        r = handler ? handler(q) : response::drop();
    } catch (const std::exception&) {
        // A throwing handler is a bug in the test; silence makes the lookup time out and the
        // test fail on its assertions rather than crashing the server thread.
        return {};
    }
    if (r.what == response::kind::no_reply || r.message.size() < 2) {
        return {};
    }
    if (!r.keep_id) {
        r.message[0] = static_cast<std::uint8_t>(q.id >> 8);
        r.message[1] = static_cast<std::uint8_t>(q.id & 0xff);
    }
    if (via == transport::udp) {
        const std::size_t limit = std::max<std::size_t>(512, q.edns_udp_size);
        if (r.what == response::kind::truncated_on_udp ||
            (auto_truncate_ && r.message.size() > limit)) {
            return truncated_form(r.message, packet, question_end);
        }
    }
    return std::move(r.message);
}

net::awaitable<void> fake_dns_server::udp_loop() {
    bytes buffer(65535);
    udp::endpoint peer;
    while (true) {
        auto [ec, n] = co_await udp_.async_receive_from(net::buffer(buffer), peer, use_tuple);
        if (ec == net::error::operation_aborted || !udp_.is_open()) {
            co_return;
        }
        if (ec) {
            continue; // e.g. ICMP errors from an earlier send; keep serving
        }
        bytes reply = handle(bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n)),
                             transport::udp);
        if (!reply.empty()) {
            co_await udp_.async_send_to(net::buffer(reply), peer, use_tuple);
        }
    }
}

net::awaitable<void> fake_dns_server::accept_loop() {
    while (true) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
            co_return;
        }
        if (!ec) {
            net::co_spawn(io_, tcp_session(std::move(socket)), net::detached);
        }
    }
}

net::awaitable<void> fake_dns_server::tcp_session(tcp::socket socket) {
    // RFC 1035 §4.2.2: each message is preceded by its two-byte length, so a read is never
    // larger than 65535 bytes.
    bytes body;
    while (true) {
        std::array<std::uint8_t, 2> prefix{};
        auto [ec, n] = co_await net::async_read(socket, net::buffer(prefix), use_tuple);
        if (ec) {
            co_return;
        }
        const std::size_t length = (static_cast<std::size_t>(prefix[0]) << 8) | prefix[1];
        if (length == 0) {
            co_return;
        }
        body.assign(length, 0);
        std::tie(ec, n) = co_await net::async_read(socket, net::buffer(body), use_tuple);
        if (ec) {
            co_return;
        }
        bytes reply = handle(body, transport::tcp);
        if (reply.empty()) {
            continue;
        }
        const std::size_t size = std::min<std::size_t>(reply.size(), 65535);
        std::array<std::uint8_t, 2> out_prefix{static_cast<std::uint8_t>(size >> 8),
                                               static_cast<std::uint8_t>(size & 0xff)};
        std::array<net::const_buffer, 2> parts{net::buffer(out_prefix),
                                               net::buffer(reply.data(), size)};
        std::tie(ec, n) = co_await net::async_write(socket, parts, use_tuple);
        if (ec) {
            co_return;
        }
    }
}

} // namespace mxprobe_test
