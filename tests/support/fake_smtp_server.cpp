#include "tests/support/fake_smtp_server.hpp"

#include "probe/openssl_ptr.hpp"
#include "probe/use_tuple.hpp"
#include "tests/support/client_hello.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/ssl.h>

namespace mxprobe_test {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;

namespace {

using probe::use_tuple;
constexpr std::size_t max_command_line = 4096;
constexpr std::size_t huge_line_size = std::size_t{1024} * 1024;
constexpr std::size_t huge_ehlo_line_size = std::size_t{10} * 1024 * 1024;

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::string verb_of(const std::string& line) {
    return upper(line.substr(0, line.find(' ')));
}

std::string reply(int code, const std::vector<std::string>& lines) {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += std::to_string(code) + (i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
    }
    return out;
}

std::string reply(int code, const std::string& text) {
    return reply(code, std::vector<std::string>{text});
}

// Writes `bytes`, one at a time with a pause when throttled. False once the peer is gone.
template <class Stream>
net::awaitable<bool> send(Stream& stream, std::string bytes, std::size_t bytes_per_second) {
    if (bytes_per_second == 0) {
        auto [ec, n] = co_await net::async_write(stream, net::buffer(bytes), use_tuple);
        (void)n;
        co_return !ec;
    }
    net::steady_timer timer(co_await net::this_coro::executor);
    const auto pause = std::chrono::microseconds(1'000'000 / bytes_per_second);
    for (const char& c : bytes) {
        auto [ec, n] = co_await net::async_write(stream, net::buffer(&c, 1), use_tuple);
        (void)n;
        if (ec) {
            co_return false;
        }
        timer.expires_after(pause);
        auto [waited] = co_await timer.async_wait(use_tuple);
        if (waited) {
            co_return false;
        }
    }
    co_return true;
}

// One command line without its CR LF; nullopt when the peer closed or sent an overlong line.
template <class Stream>
net::awaitable<std::optional<std::string>> read_line(Stream& stream, std::string& buffer) {
    auto [ec, n] = co_await net::async_read_until(
        stream, net::dynamic_buffer(buffer, max_command_line), "\n", use_tuple);
    if (ec) {
        co_return std::nullopt;
    }
    std::string line = buffer.substr(0, n);
    buffer.erase(0, n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.pop_back();
    }
    co_return line;
}

// Waits until the peer closes (or the server is destroyed), discarding what it sends.
net::awaitable<void> drain_until_closed(tcp::socket& socket) {
    std::array<char, 4096> sink{};
    for (;;) {
        auto [ec, n] = co_await socket.async_read_some(net::buffer(sink), use_tuple);
        (void)n;
        if (ec) {
            co_return;
        }
    }
}

// "<code>-x" lines until the client stops reading and the writes fail.
template <class Stream>
net::awaitable<void> send_endless_reply(Stream& stream, const std::string& code = "250") {
    std::string batch;
    for (int i = 0; i < 64; ++i) {
        batch += code + "-x\r\n";
    }
    for (;;) {
        auto [ec, n] = co_await net::async_write(stream, net::buffer(batch), use_tuple);
        (void)n;
        if (ec) {
            co_return;
        }
    }
}

// The client's first record, looked at without taking it off the socket (so that OpenSSL
// can still read it), waiting at most about 2 s for all of it; what arrived when it gave up.
net::awaitable<std::string> peek_record(tcp::socket& socket) {
    std::array<char, 16384> buffer{};
    net::steady_timer pause(co_await net::this_coro::executor);
    std::string seen;
    for (int tries = 0; tries < 2000; ++tries) {
        auto [ec, n] = co_await socket.async_receive(net::buffer(buffer), tcp::socket::message_peek,
                                                     use_tuple);
        if (ec) {
            co_return std::string();
        }
        seen.assign(buffer.data(), n);
        if (record_bytes_missing(seen) == 0) {
            break;
        }
        pause.expires_after(std::chrono::milliseconds(1));
        co_await pause.async_wait(use_tuple);
    }
    co_return seen;
}

// One reply line of `size` octets, written in 64 KiB pieces so the server never holds it.
template <class Stream> net::awaitable<void> send_huge_line(Stream& stream, std::size_t size) {
    const std::string piece(std::size_t{64} * 1024, 'x');
    auto [ec, n] = co_await net::async_write(stream, net::buffer(std::string("250-")), use_tuple);
    for (std::size_t sent = 0; !ec && sent < size; sent += piece.size()) {
        std::tie(ec, n) = co_await net::async_write(stream, net::buffer(piece), use_tuple);
    }
    if (!ec) {
        co_await net::async_write(stream, net::buffer(std::string("\r\n")), use_tuple);
    }
}

// The first TLS record the client sends (its ClientHello), whole; empty when it leaves first.
net::awaitable<std::string> read_client_hello(tcp::socket& socket) {
    std::string hello;
    std::array<char, 4096> buffer{};
    for (;;) {
        if (hello.size() >= 5) {
            const auto length =
                (static_cast<std::size_t>(static_cast<unsigned char>(hello[3])) << 8) |
                static_cast<unsigned char>(hello[4]);
            if (hello.size() >= 5 + length) {
                co_return hello;
            }
        }
        auto [ec, n] = co_await socket.async_read_some(net::buffer(buffer), use_tuple);
        if (ec) {
            co_return std::string();
        }
        hello.append(buffer.data(), n);
    }
}

// Warning-level user_canceled alerts (RFC 8446 §6.1), which a peer may not treat as fatal,
// until the client gives up on them.
net::awaitable<void> send_alert_storm(tcp::socket& socket) {
    std::string batch;
    for (int i = 0; i < 256; ++i) {
        batch += std::string("\x15\x03\x03\x00\x02\x01\x5a", 7);
    }
    for (;;) {
        auto [ec, n] = co_await net::async_write(socket, net::buffer(batch), use_tuple);
        (void)n;
        if (ec) {
            co_return;
        }
    }
}

// The server's first flight as OpenSSL would send it, computed on memory BIOs; only its first
// record (the ServerHello) is returned.
std::string server_hello_record(SSL_CTX* ctx, const std::string& client_hello) {
    const probe::ssl_ptr ssl(SSL_new(ctx));
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), in, out); // the SSL owns both BIOs now
    SSL_set_accept_state(ssl.get());
    BIO_write(in, client_hello.data(), static_cast<int>(client_hello.size()));
    SSL_do_handshake(ssl.get());
    char* data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    std::string flight(data, static_cast<std::size_t>(size > 0 ? size : 0));
    if (flight.size() < 5) {
        return flight;
    }
    const auto length = (static_cast<std::size_t>(static_cast<unsigned char>(flight[3])) << 8) |
                        static_cast<unsigned char>(flight[4]);
    return flight.substr(0, 5 + length);
}

// Bytes that look like nothing: a fixed linear congruential sequence, the same every run.
std::string garbage(std::size_t size) {
    std::string out(size, '\0');
    std::uint32_t x = 12345;
    for (char& c : out) {
        x = x * 1103515245 + 12345;
        c = static_cast<char>(x >> 24);
    }
    return out;
}

struct count_on_exit {
    std::atomic<std::size_t>& counter;
    ~count_on_exit() { ++counter; }
};

// The 1024-bit MODP group of RFC 2409 (generator 2) as DH parameters for SSL_CTX.
probe::evp_pkey_ptr rfc2409_1024_params() {
    const probe::bignum_ptr prime(BN_get_rfc2409_prime_1024(nullptr));
    const std::unique_ptr<OSSL_PARAM_BLD, probe::fn_deleter<OSSL_PARAM_BLD_free>> build(
        OSSL_PARAM_BLD_new());
    if (!prime || !build ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_FFC_P, prime.get()) != 1 ||
        OSSL_PARAM_BLD_push_uint(build.get(), OSSL_PKEY_PARAM_FFC_G, 2) != 1) {
        throw std::runtime_error("fake_smtp_server: cannot build DH parameters");
    }
    const std::unique_ptr<OSSL_PARAM, probe::fn_deleter<OSSL_PARAM_free>> params(
        OSSL_PARAM_BLD_to_param(build.get()));
    const std::unique_ptr<EVP_PKEY_CTX, probe::fn_deleter<EVP_PKEY_CTX_free>> pctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
        EVP_PKEY_fromdata(pctx.get(), &raw, EVP_PKEY_KEY_PARAMETERS, params.get()) != 1) {
        throw std::runtime_error("fake_smtp_server: DH parameters refused");
    }
    return probe::evp_pkey_ptr(raw);
}

void configure(net::ssl::context& ctx, const smtp_tls_config& config) {
    SSL_CTX* native = ctx.native_handle();
    const auto require = [](int ok, const char* what) {
        if (ok != 1) {
            throw std::runtime_error(std::string("fake_smtp_server: ") + what + " refused");
        }
    };
    if (config.security_level >= 0) {
        SSL_CTX_set_security_level(native, config.security_level);
    }
    if (config.min_version != 0) {
        require(static_cast<int>(SSL_CTX_set_min_proto_version(native, config.min_version)),
                "minimum version");
    }
    if (config.max_version != 0) {
        require(static_cast<int>(SSL_CTX_set_max_proto_version(native, config.max_version)),
                "maximum version");
    }
    if (!config.cipher_list.empty()) {
        require(SSL_CTX_set_cipher_list(native, config.cipher_list.c_str()), "cipher list");
    }
    if (!config.ciphersuites.empty()) {
        require(SSL_CTX_set_ciphersuites(native, config.ciphersuites.c_str()), "TLS 1.3 suites");
    }
    if (!config.groups.empty()) {
        require(static_cast<int>(SSL_CTX_set1_groups_list(native, config.groups.c_str())),
                "groups");
    }
    if (config.server_preference) {
        SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE);
    }
    if (config.dh_bits == 1024) {
        probe::evp_pkey_ptr dh = rfc2409_1024_params();
        SSL_CTX_set_dh_auto(native, 0);
        require(static_cast<int>(SSL_CTX_set0_tmp_dh_pkey(native, dh.get())), "DH parameters");
        (void)dh.release(); // the context owns it now
    } else {
        SSL_CTX_set_dh_auto(native, 1);
    }
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(native, 0);
    if (!config.cert_chain_pem.empty()) {
        ctx.use_certificate_chain(net::buffer(config.cert_chain_pem));
        ctx.use_private_key(net::buffer(config.key_pem), net::ssl::context::pem);
    }
}

} // namespace

fake_smtp_server::fake_smtp_server(smtp_script script, const std::string& address,
                                   std::uint16_t port)
    : script_(std::move(script)), tls_(net::ssl::context::tls_server), acceptor_(io_) {
    configure(tls_, script_.tls);
    const tcp::endpoint local(net::ip::make_address(address), port);
    acceptor_.open(local.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(local);
    acceptor_.listen();
    endpoint_ = acceptor_.local_endpoint();
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
}

fake_smtp_server::~fake_smtp_server() {
    // A session may be parked in a read, a throttle pause or an endless write: stop the loop
    // rather than drain it. Pending coroutine frames (and their sockets) die with io_.
    io_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::vector<std::string> fake_smtp_server::commands() const {
    const std::lock_guard lock(mutex_);
    return commands_;
}

std::vector<std::string> fake_smtp_server::verbs() const {
    std::vector<std::string> out;
    for (const auto& c : commands()) {
        out.push_back(verb_of(c));
    }
    return out;
}

std::vector<std::string> fake_smtp_server::negotiated() const {
    const std::lock_guard lock(mutex_);
    return negotiated_;
}

std::vector<std::string> fake_smtp_server::sni_names() const {
    const std::lock_guard lock(mutex_);
    return sni_;
}

void fake_smtp_server::record(std::string line) {
    const std::lock_guard lock(mutex_);
    commands_.push_back(std::move(line));
}

net::awaitable<void> fake_smtp_server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) {
            co_return;
        }
        ++connections_;
        const std::size_t open = connections_ - ended_;
        if (open > max_concurrent_) {
            max_concurrent_ = open;
        }
        if (script_.busy_every != 0 && connections_ % script_.busy_every == 0) {
            net::co_spawn(io_, refuse_busy(std::move(socket)), net::detached);
            continue;
        }
        net::co_spawn(io_, session(std::move(socket)), net::detached);
    }
}

net::awaitable<void> fake_smtp_server::refuse_busy(tcp::socket socket) {
    const count_on_exit on_exit{ended_};
    co_await send(socket, "421 4.7.0 Too many concurrent SMTP connections\r\n", 0);
}

template <class Stream>
net::awaitable<fake_smtp_server::dialogue_end>
fake_smtp_server::dialogue(Stream& stream, std::string& buffer, bool in_tls) {
    const smtp_script& s = script_;
    const std::size_t rate =
        in_tls && s.tls_bytes_per_second > 0 ? s.tls_bytes_per_second : s.bytes_per_second;
    for (;;) {
        const std::optional<std::string> line = co_await read_line(stream, buffer);
        if (!line) {
            co_return dialogue_end::closed;
        }
        record(*line);
        const std::string verb = verb_of(*line);
        std::string answer;
        if (verb == "QUIT") {
            co_await send(stream, reply(221, "2.0.0 Bye"), rate);
            co_return dialogue_end::quit;
        }
        if (!in_tls && s.banner_code == 554) {
            answer = reply(503, "5.5.1 No service here"); // RFC 5321 §3.1
        } else if (verb == "EHLO" && in_tls && s.ehlo_after_tls_code != 250) {
            answer = reply(s.ehlo_after_tls_code, "5.7.0 Not inside TLS, sorry");
        } else if (verb == "EHLO" && !in_tls && s.ehlo_code != 250) {
            answer = reply(s.ehlo_code, "5.5.2 Command not recognised");
        } else if (verb == "EHLO" && !in_tls && s.misbehave == misbehaviour::huge_ehlo_line) {
            co_await send_huge_line(stream, huge_ehlo_line_size);
            co_return dialogue_end::closed;
        } else if (verb == "EHLO" && s.misbehave == (in_tls ? misbehaviour::endless_ehlo_after_tls
                                                            : misbehaviour::endless_ehlo_reply)) {
            co_await send_endless_reply(stream);
            co_return dialogue_end::closed;
        } else if (verb == "EHLO" && in_tls) {
            answer = reply(250, s.ehlo_after_tls_lines);
        } else if (verb == "EHLO") {
            std::vector<std::string> lines = s.ehlo_lines;
            if (s.offer_starttls) {
                lines.emplace_back("STARTTLS");
            }
            answer = reply(250, lines);
            if (s.ehlo_bare_lf) {
                std::erase(answer, '\r');
            }
        } else if (verb == "HELO") {
            answer = reply(250, "mx.test");
        } else if (verb == "STARTTLS" && (in_tls || !s.offer_starttls)) {
            answer = reply(503, "5.5.1 STARTTLS not available");
        } else if (verb == "STARTTLS" && s.starttls_code != 220) {
            if (!co_await send(stream, reply(s.starttls_code, s.starttls_text), rate) ||
                s.starttls_code == 421) {
                co_return dialogue_end::closed;
            }
            continue;
        } else if (verb == "STARTTLS") {
            answer = reply(220, s.starttls_text);
            if (s.misbehave == misbehaviour::plaintext_after_starttls) {
                answer += s.injected; // one write, so the client reads both at once
            }
            const bool sent = co_await send(stream, answer, rate);
            co_return sent ? dialogue_end::upgrade : dialogue_end::closed;
        } else if (verb == "MAIL" || verb == "RCPT") {
            answer = reply(250, "2.0.0 Ok");
        } else {
            answer = reply(502, "5.5.2 Command not implemented here");
        }
        if (!co_await send(stream, answer, rate)) {
            co_return dialogue_end::closed;
        }
    }
}

net::awaitable<void> fake_smtp_server::session(tcp::socket socket) {
    const count_on_exit on_exit{ended_};
    const smtp_script& s = script_;
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);

    if (s.banner_delay.count() > 0) {
        net::steady_timer timer(co_await net::this_coro::executor, s.banner_delay);
        co_await timer.async_wait(use_tuple);
    }
    if (s.misbehave == misbehaviour::huge_banner_line) {
        // The write only finishes if the client reads it all; it fails once the client leaves.
        co_await send(socket, "220 " + std::string(huge_line_size, 'x') + "\r\n", 0);
        co_await drain_until_closed(socket);
        co_return;
    }
    if (s.misbehave == misbehaviour::endless_banner) {
        co_await send_endless_reply(socket, "220");
        co_return;
    }
    const std::string banner = reply(s.banner_code, s.banner_text);
    if (!co_await send(socket, banner, s.throttle_banner ? s.bytes_per_second : 0) ||
        s.banner_code == 421) {
        co_return;
    }

    std::string buffer;
    const dialogue_end end = co_await dialogue(socket, buffer, false);
    if (end != dialogue_end::upgrade) {
        co_return;
    }
    if (s.misbehave == misbehaviour::plaintext_after_starttls_later) {
        net::steady_timer timer(co_await net::this_coro::executor, std::chrono::milliseconds(50));
        co_await timer.async_wait(use_tuple);
        co_await send(socket, s.injected, 0);
        co_await drain_until_closed(socket);
        co_return;
    }
    if (s.misbehave == misbehaviour::alert_storm ||
        s.misbehave == misbehaviour::garbage_after_server_hello) {
        const std::string hello = co_await read_client_hello(socket);
        if (hello.empty()) {
            co_return;
        }
        if (s.misbehave == misbehaviour::alert_storm) {
            co_await send_alert_storm(socket);
            co_return;
        }
        co_await send(
            socket,
            server_hello_record(tls_.native_handle(), hello) + garbage(std::size_t{16} * 1024), 0);
        co_await drain_until_closed(socket);
        co_return;
    }
    if (s.misbehave == misbehaviour::garbage_instead_of_tls ||
        s.misbehave == misbehaviour::close_mid_handshake ||
        s.misbehave == misbehaviour::silent_mid_handshake) {
        std::array<char, 4096> client_hello{};
        auto [ec, n] = co_await socket.async_read_some(net::buffer(client_hello), use_tuple);
        (void)n;
        if (ec || s.misbehave == misbehaviour::close_mid_handshake) {
            co_return; // closes the socket with the handshake half done
        }
        if (s.misbehave == misbehaviour::silent_mid_handshake) {
            co_await drain_until_closed(socket);
            co_return;
        }
        // Not a TLS record: an HTTP error page, as a confused middlebox might send.
        co_await send(socket, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 0);
        // Stay until the client gives up, so it reads the garbage rather than a reset.
        co_await drain_until_closed(socket);
        co_return;
    }

    if (co_await answer_by_hand(socket)) {
        co_return;
    }
    net::ssl::stream<tcp::socket> tls(std::move(socket), tls_);
    auto [handshake_ec] = co_await tls.async_handshake(net::ssl::stream_base::server, use_tuple);
    if (handshake_ec) {
        co_return;
    }
    ++handshakes_;
    {
        SSL* ssl = tls.native_handle();
        const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
        const int group = SSL_get_negotiated_group(ssl);
        const char* group_name = group != 0 ? SSL_group_to_name(ssl, group) : nullptr;
        std::string line = std::string(SSL_get_version(ssl)) + " " +
                           SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)) + " " +
                           (group_name != nullptr ? group_name : "-");
        const std::lock_guard lock(mutex_);
        sni_.emplace_back(sni != nullptr ? sni : "");
        negotiated_.push_back(std::move(line));
    }
    // The client waits for the 220 before its ClientHello, so `buffer` is empty here.
    std::string tls_buffer;
    co_await dialogue(tls, tls_buffer, true);
}

net::awaitable<bool> fake_smtp_server::answer_by_hand(tcp::socket& socket) {
    const smtp_tls_config& t = script_.tls;
    if (t.raw_suites.empty() && !t.refuse_supported_groups) {
        co_return false;
    }
    const std::string record = co_await peek_record(socket);
    const std::optional<client_hello> hello = parse_client_hello(record);
    if (!hello) {
        co_return false; // not a ClientHello we understand: OpenSSL will say what it is
    }
    std::string answer;
    std::string seen;
    if (t.refuse_supported_groups && hello->has_extension(0x000A)) {
        answer = alert_record(0x0303, 40);
        seen = "refused: supported_groups";
    } else {
        const auto chosen = std::find_if(t.raw_suites.begin(), t.raw_suites.end(), [&](auto s) {
            return std::find(hello->suites.begin(), hello->suites.end(), s) != hello->suites.end();
        });
        if (chosen == t.raw_suites.end()) {
            co_return false;
        }
        const int version = std::min(hello->version, t.raw_max_version);
        if (version < t.raw_min_version) {
            answer = alert_record(t.raw_min_version, 70);
            seen = "refused: version";
        } else {
            answer = server_hello_record(version, *chosen);
            char text[32];
            (void)std::snprintf(text, sizeof text, "raw %04x %04x", version, *chosen);
            seen = text;
        }
    }
    {
        const std::lock_guard lock(mutex_);
        negotiated_.push_back(seen);
    }
    std::string taken(record.size(), '\0');
    auto [read_ec, n] = co_await net::async_read(socket, net::buffer(taken), use_tuple);
    (void)n;
    if (!read_ec && co_await send(socket, answer, 0)) {
        co_await drain_until_closed(socket);
    }
    co_return true;
}

} // namespace mxprobe_test
