#include "probe/smtp_session.hpp"
#include "probe/use_tuple.hpp"

#include "probe/legacy_hello.hpp"
#include "probe/openssl_error.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace probe {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

using tls_stream = asio::ssl::stream<beast::tcp_stream>;

struct reply_outcome {
    error_code ec;
    reply_error framing = reply_error::none;
    smtp_reply reply;
};

// Linux holds back the ACK of a lone segment for 40 ms. A TLS 1.3 server sends its session
// tickets right after the handshake, racing our EHLO; when the EHLO wins, the tickets' ACK
// waits, and a server that uses Nagle (Postfix) holds its EHLO reply until the ACK comes: a
// 40 ms stall in every other session. Quick-ACK mode is not sticky, so it is asked for
// before every reply.
template <class Stream> void ack_at_once(Stream& stream) {
#ifdef TCP_QUICKACK
    using quick_ack = asio::detail::socket_option::boolean<IPPROTO_TCP, TCP_QUICKACK>;
    error_code ignored;
    beast::get_lowest_layer(stream).socket().set_option(quick_ack(true), ignored);
#endif
}

// Reads one complete reply. Bytes the server sent beyond it stay in `pending`.
template <class Stream>
asio::awaitable<reply_outcome> async_read_reply(Stream& stream, std::string& pending,
                                                reply_limits limits) {
    ack_at_once(stream);
    reply_outcome out;
    reply_reader reader(limits);
    const std::size_t used = reader.feed(pending);
    pending.erase(0, used);
    std::array<char, 4096> buffer{};
    while (!reader.complete() && reader.error() == reply_error::none) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(buffer), use_tuple);
        if (ec) {
            out.ec = ec;
            co_return out;
        }
        const std::string_view received(buffer.data(), n);
        const std::size_t consumed = reader.feed(received);
        pending.append(received.substr(consumed));
    }
    out.framing = reader.error();
    out.reply = reader.reply();
    co_return out;
}

template <class Stream>
asio::awaitable<error_code> async_send(Stream& stream, std::string command) {
    command += "\r\n";
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(command), use_tuple);
    (void)n;
    co_return ec;
}

status status_of_io_error(const error_code& ec) {
    if (ec == beast::error::timeout) {
        return status::io_timeout;
    }
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::ssl::error::stream_truncated || ec == asio::error::broken_pipe) {
        return status::connection_closed;
    }
    return status::protocol_error;
}

void fail(session_result& r, status s, phase p, std::string why) {
    r.outcome = s;
    r.failed_phase = p;
    r.error = std::move(why);
}

// A reply was read (or not): record a failure for `p` unless it arrived intact.
bool reply_failed(session_result& r, const reply_outcome& got, phase p) {
    if (got.ec) {
        std::string why = got.ec == beast::error::timeout ? "no complete reply before the deadline"
                                                          : got.ec.message();
        fail(r, status_of_io_error(got.ec), p, std::move(why));
        return true;
    }
    if (got.framing != reply_error::none) {
        fail(r, status::protocol_error, p, std::string(to_string(got.framing)));
        return true;
    }
    r.bare_lf = r.bare_lf || got.reply.bare_lf;
    return false;
}

std::string reply_summary(const smtp_reply& reply) {
    return std::to_string(reply.code) + " " + reply.text();
}

// QUIT ends every session we opened, politely but without waiting long.
template <class Stream>
asio::awaitable<void> async_quit(Stream& stream, beast::tcp_stream& tcp, std::string& pending,
                                 const session_options& options) {
    tcp.expires_after(options.timeouts.quit);
    const error_code ec = co_await async_send(stream, "QUIT");
    if (!ec) {
        const reply_outcome ignored = co_await async_read_reply(stream, pending, options.limits);
    }
    co_return;
}

std::string handshake_error_text(const error_code& ec) {
    if (ec == beast::error::timeout) {
        return "no handshake completed before the deadline";
    }
    std::string text = ec.message();
    const std::string queue = drain_openssl_errors();
    if (!queue.empty() && queue != text) {
        text += " [" + queue + "]";
    }
    return text;
}

// Sends a hand-made ClientHello and keeps the answer up to the ServerHello's chosen suite (or
// the alert), never more than max_raw_reply bytes. No QUIT follows: the server now expects
// TLS, not SMTP.
asio::awaitable<void> async_raw_hello(beast::tcp_stream& tcp, const std::string& hello,
                                      const session_options& options, session_result& r) {
    constexpr std::size_t max_raw_reply = 512;
    tcp.expires_after(options.timeouts.handshake);
    auto [write_ec, written] = co_await asio::async_write(tcp, asio::buffer(hello), use_tuple);
    (void)written;
    if (write_ec) {
        fail(r, status_of_io_error(write_ec), phase::handshake, write_ec.message());
        co_return;
    }
    std::array<char, 128> buffer{};
    while (r.raw_tls_reply.size() < max_raw_reply) {
        const std::size_t wanted = server_hello_bytes_wanted(r.raw_tls_reply);
        if (wanted == 0) {
            break;
        }
        auto [ec, n] = co_await tcp.async_read_some(
            asio::buffer(buffer.data(), std::min(buffer.size(), wanted)), use_tuple);
        if (ec) {
            if (r.raw_tls_reply.empty()) {
                fail(r, status::handshake_error, phase::handshake,
                     ec == beast::error::timeout ? "no answer to the ClientHello" : ec.message());
            }
            co_return;
        }
        r.raw_tls_reply.append(buffer.data(), n);
    }
}

asio::awaitable<void> run_session(tls_stream& stream, session_result& r,
                                  const session_options& options) {
    beast::tcp_stream& tcp = stream.next_layer();
    std::string pending;

    tcp.expires_after(options.timeouts.banner);
    const reply_outcome banner = co_await async_read_reply(tcp, pending, options.limits);
    if (reply_failed(r, banner, phase::banner)) {
        co_return;
    }
    r.banner_code = banner.reply.code;
    r.banner = banner.reply.lines;
    if (banner.reply.code != 220) {
        // SMTP-11: 554 refuses the session; 421 closes it. Neither is a TLS result.
        const bool refused = banner.reply.code == 554 || banner.reply.code == 421;
        r.refusal_code = refused ? banner.reply.code : 0;
        fail(r, refused ? status::session_refused : status::protocol_error, phase::banner,
             "greeting " + reply_summary(banner.reply));
        co_await async_quit(tcp, tcp, pending, options);
        co_return;
    }

    tcp.expires_after(options.timeouts.command);
    const error_code ehlo_sent = co_await async_send(tcp, "EHLO " + options.ehlo_name);
    if (ehlo_sent) {
        fail(r, status_of_io_error(ehlo_sent), phase::ehlo, ehlo_sent.message());
        co_return;
    }
    const reply_outcome ehlo = co_await async_read_reply(tcp, pending, options.limits);
    if (reply_failed(r, ehlo, phase::ehlo)) {
        co_return;
    }
    if (ehlo.reply.code == 421 || ehlo.reply.code == 554) {
        r.refusal_code = ehlo.reply.code;
        fail(r, status::session_refused, phase::ehlo, "EHLO answered " + reply_summary(ehlo.reply));
        co_return;
    }
    if (!ehlo.reply.is_positive()) {
        // SMTP-14: EHLO refused means a HELO-only session, which has no STARTTLS.
        r.helo_fallback = true;
        fail(r, status::starttls_not_offered, phase::ehlo,
             "EHLO refused: " + reply_summary(ehlo.reply));
        co_await async_quit(tcp, tcp, pending, options);
        co_return;
    }
    r.ehlo = ehlo_keywords(ehlo.reply);
    r.starttls_offered = has_ehlo_keyword(ehlo.reply, "STARTTLS");
    if (!r.starttls_offered) {
        fail(r, status::starttls_not_offered, phase::ehlo, "STARTTLS is not in the EHLO reply");
        co_await async_quit(tcp, tcp, pending, options);
        co_return;
    }

    tcp.expires_after(options.timeouts.command);
    const error_code starttls_sent = co_await async_send(tcp, "STARTTLS");
    if (starttls_sent) {
        fail(r, status_of_io_error(starttls_sent), phase::starttls, starttls_sent.message());
        co_return;
    }
    const reply_outcome starttls = co_await async_read_reply(tcp, pending, options.limits);
    if (reply_failed(r, starttls, phase::starttls)) {
        co_return;
    }
    r.starttls_reply = reply_summary(starttls.reply);
    if (starttls.reply.code != 220) {
        fail(r, status::starttls_rejected, phase::starttls,
             "STARTTLS answered " + r.starttls_reply);
        co_await async_quit(tcp, tcp, pending, options);
        co_return;
    }
    r.starttls_accepted = true;
    if (!pending.empty()) {
        // TLS-4: anything sent before our ClientHello could be injected plaintext.
        r.plaintext_after_starttls = true;
        fail(r, status::protocol_error, phase::starttls,
             std::to_string(pending.size()) + " byte(s) of plaintext followed the 220 reply");
        co_return;
    }

    if (options.raw_client_hello) {
        co_await async_raw_hello(tcp, *options.raw_client_hello, options, r);
        co_return;
    }

    SSL* ssl = stream.native_handle();
    openssl_error_guard guard;
    if (SSL_set_tlsext_host_name(ssl, r.host.c_str()) != 1) {
        fail(r, status::internal_error, phase::handshake,
             "cannot set SNI '" + r.host + "': " + drain_openssl_errors());
        co_return;
    }
    SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
    handshake_verification verification;
    if (options.inspect_chain && !record_handshake_verification(ssl, verification)) {
        fail(r, status::internal_error, phase::handshake,
             "cannot record the chain verification: " + drain_openssl_errors());
        co_return;
    }
    tcp.expires_after(options.timeouts.handshake);
    auto [handshake_ec] =
        co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (handshake_ec) {
        // OpenSSL reports a received alert as reason SSL_AD_REASON_OFFSET + its number.
        if (handshake_ec.category() == asio::error::get_ssl_category()) {
            const int reason = ERR_GET_REASON(static_cast<unsigned long>(handshake_ec.value()));
            if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
                r.tls_alert = reason - SSL_AD_REASON_OFFSET;
            }
        }
        fail(r,
             handshake_ec == beast::error::timeout ? status::io_timeout : status::handshake_error,
             phase::handshake, handshake_error_text(handshake_ec));
        co_return;
    }
    r.tls = describe_session(ssl);
    if (options.inspect_chain) {
        r.certificate = check_handshake_chain(ssl, verification, r.host);
    }

    if (options.ehlo_after_tls) {
        tcp.expires_after(options.timeouts.command);
        const error_code tls_ehlo_sent = co_await async_send(stream, "EHLO " + options.ehlo_name);
        if (tls_ehlo_sent) {
            fail(r, status::post_tls_error, phase::post_tls_ehlo, tls_ehlo_sent.message());
            co_return;
        }
        const reply_outcome again = co_await async_read_reply(stream, pending, options.limits);
        if (reply_failed(r, again, phase::post_tls_ehlo)) {
            r.outcome = status::post_tls_error;
            co_return;
        }
        if (!again.reply.is_positive()) {
            fail(r, status::post_tls_error, phase::post_tls_ehlo,
                 "EHLO inside TLS answered " + reply_summary(again.reply));
            co_return;
        }
        r.ehlo_after_tls = ehlo_keywords(again.reply);
        r.starttls_after_tls = has_ehlo_keyword(again.reply, "STARTTLS");
    }
    co_await async_quit(stream, tcp, pending, options);
}

} // namespace

asio::awaitable<session_result> async_smtp_session(asio::ip::tcp::endpoint endpoint,
                                                   std::string host, session_options options,
                                                   asio::ssl::context& tls) {
    const auto started = std::chrono::steady_clock::now();
    session_result r;
    r.host = std::move(host);
    r.ip = endpoint.address().to_string();
    r.port = endpoint.port();

    tls_stream stream(co_await asio::this_coro::executor, tls);
    beast::tcp_stream& tcp = stream.next_layer();
    tcp.expires_after(options.timeouts.connect);
    auto [ec] = co_await tcp.async_connect(endpoint, use_tuple);
    if (ec) {
        const status s = ec == beast::error::timeout             ? status::connection_timeout
                         : ec == asio::error::connection_refused ? status::connection_refused
                                                                 : status::connection_closed;
        fail(r, s, phase::connect,
             ec == beast::error::timeout ? "no TCP connection before the deadline" : ec.message());
    } else {
        // Some MTAs answer QUIT inside TLS only after the Nagle delay.
        error_code ignored;
        tcp.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        co_await run_session(stream, r, options);
    }
    error_code ignored;
    tcp.socket().close(ignored);
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    co_return r;
}

} // namespace probe
