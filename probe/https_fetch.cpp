#include "probe/https_fetch.hpp"

#include "probe/address_class.hpp"
#include "probe/openssl_error.hpp"
#include "probe/use_tuple.hpp"
#include "resolver/lookup.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

namespace probe {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::uint32_t max_header_bytes = 16 * 1024;
// What Beast may hold of bytes not yet parsed. Body bytes leave it as they are parsed, but a
// chunk header (with its extensions) must fit whole: without a cap a server could send one
// without end. Anything that honestly fits the header and body limits fits this.
constexpr std::size_t max_unparsed_bytes = std::size_t{64} * 1024;

void fail(https_response& r, fetch_failure f, std::string why) {
    r.failure = f;
    r.error = std::move(why);
}

// DNS A first, then AAAA; special-purpose addresses only when allowed.
asio::awaitable<std::vector<asio::ip::address>>
async_addresses(resolver::channel& dns, const https_fetch_options& o, https_response& r) {
    std::vector<asio::ip::address> out;
    if (o.connect_to) {
        out.push_back(*o.connect_to);
        co_return out;
    }
    std::string problems;
    for (auto* lookup : {&resolver::async_a, &resolver::async_aaaa}) {
        const auto answer = co_await lookup(dns, o.host);
        if (!answer.has_data() && answer.status != resolver::dns_status::nodata) {
            problems += std::string(problems.empty() ? "" : "; ") +
                        std::string(resolver::to_string(answer.status)) +
                        (answer.detail.empty() ? "" : " (" + answer.detail + ")");
        }
        for (const auto& record : answer.records) {
            error_code ec;
            const auto ip = asio::ip::make_address(record.address, ec);
            if (ec) {
                continue;
            }
            if (const auto reason = special_address_reason(ip); reason && !o.allow_private) {
                problems += std::string(problems.empty() ? "" : "; ") + ip.to_string() +
                            " refused: " + *reason + " address";
                continue;
            }
            out.push_back(ip);
        }
    }
    if (out.empty()) {
        const bool refused = problems.find(" refused: ") != std::string::npos;
        fail(r, refused ? fetch_failure::address_refused : fetch_failure::dns,
             "no usable address for " + o.host + (problems.empty() ? "" : ": " + problems));
    }
    co_return out;
}

std::string ssl_error_text(const error_code& ec) {
    std::string text = ec.message();
    const std::string queue = drain_openssl_errors();
    if (!queue.empty() && queue != text) {
        text += " [" + queue + "]";
    }
    return text;
}

std::string certificate_problem(const chain_verdict& v, const std::string& host) {
    if (!v.hostname_match) {
        return "the certificate is not valid for " + host;
    }
    return "the certificate is not trusted: " + v.verify_error;
}

asio::awaitable<void> async_exchange(asio::ssl::stream<beast::tcp_stream>& stream,
                                     const https_fetch_options& o, asio::ssl::context& tls,
                                     https_response& r) {
    SSL* ssl = stream.native_handle();
    openssl_error_guard guard;
    if (SSL_set_tlsext_host_name(ssl, o.host.c_str()) != 1) {
        fail(r, fetch_failure::tls, "cannot set SNI: " + drain_openssl_errors());
        co_return;
    }
    auto [handshake_ec] =
        co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (handshake_ec) {
        fail(r, handshake_ec == beast::error::timeout ? fetch_failure::timeout : fetch_failure::tls,
             handshake_ec == beast::error::timeout ? "no TLS handshake before the deadline"
                                                   : ssl_error_text(handshake_ec));
        co_return;
    }
    r.tls = describe_session(ssl);
    r.certificate = check_chain(SSL_get_peer_cert_chain(ssl),
                                SSL_CTX_get_cert_store(tls.native_handle()), o.host);
    if (!r.certificate->trusted || !r.certificate->hostname_match) {
        // RFC 8461 §3.3: a policy from a host that fails WebPKI validation must not be used.
        fail(r, fetch_failure::certificate, certificate_problem(*r.certificate, o.host));
        co_return;
    }

    http::request<http::empty_body> request{http::verb::get, o.target, 11};
    request.set(http::field::host, o.host);
    request.set(http::field::user_agent, "mxprobe");
    request.set(http::field::connection, "close");
    auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
    (void)written;
    if (write_ec) {
        fail(r,
             write_ec == beast::error::timeout ? fetch_failure::timeout : fetch_failure::protocol,
             "sending the request: " + write_ec.message());
        co_return;
    }

    beast::flat_buffer buffer(max_unparsed_bytes);
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    // No body limit while the header is read: Beast would refuse an oversize Content-Length
    // with a bare body_limit error, and we want to name the declared length. The limit is
    // set below, before any body byte is read, and also bounds chunked bodies.
    parser.body_limit(boost::none);
    auto [header_ec, header_bytes] =
        co_await http::async_read_header(stream, buffer, parser, use_tuple);
    (void)header_bytes;
    if (header_ec) {
        fail(r,
             header_ec == beast::error::timeout ? fetch_failure::timeout : fetch_failure::protocol,
             "reading the response header: " + header_ec.message());
        co_return;
    }
    const auto& head = parser.get();
    r.status = static_cast<int>(head.result_int());
    r.content_type = std::string(head[http::field::content_type]);
    if (r.status >= 300 && r.status < 400) {
        r.location = std::string(head[http::field::location]);
        fail(r, fetch_failure::redirect,
             "HTTP " + std::to_string(r.status) + " redirect to '" + r.location +
                 "' (RFC 8461 §3.3: redirects must not be followed)");
        co_return;
    }
    if (r.status != 200) {
        fail(r, fetch_failure::http_status,
             "HTTP " + std::to_string(r.status) + " " + std::string(head.reason()));
        co_return;
    }
    if (!o.required_media_type.empty() && media_type_of(r.content_type) != o.required_media_type) {
        fail(r, fetch_failure::media_type,
             "Content-Type is '" + r.content_type + "', not " + o.required_media_type);
        co_return;
    }
    if (const auto length = parser.content_length(); length && *length > o.max_body) {
        fail(r, fetch_failure::too_large,
             "Content-Length " + std::to_string(*length) + " exceeds the limit of " +
                 std::to_string(o.max_body) + " bytes");
        co_return;
    }
    parser.body_limit(o.max_body);
    auto [body_ec, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)body_bytes;
    if (body_ec == http::error::body_limit) {
        fail(r, fetch_failure::too_large,
             "body exceeds the limit of " + std::to_string(o.max_body) + " bytes");
        co_return;
    }
    if (body_ec == http::error::buffer_overflow) {
        fail(r, fetch_failure::protocol,
             "reading the body: a chunk header longer than " + std::to_string(max_unparsed_bytes) +
                 " bytes");
        co_return;
    }
    if (body_ec) {
        fail(r, body_ec == beast::error::timeout ? fetch_failure::timeout : fetch_failure::protocol,
             body_ec == beast::error::timeout ? "the body did not arrive before the deadline"
                                              : "reading the body: " + body_ec.message());
        co_return;
    }
    r.body = std::move(parser.get().body());
    // The server closes after the response (Connection: close); a missing close_notify is
    // harmless here because the body length was already delimited by HTTP framing.
    co_return;
}

} // namespace

std::string_view to_string(fetch_failure f) {
    switch (f) {
    case fetch_failure::none:
        return "none";
    case fetch_failure::dns:
        return "dns";
    case fetch_failure::address_refused:
        return "address_refused";
    case fetch_failure::connect:
        return "connect";
    case fetch_failure::tls:
        return "tls";
    case fetch_failure::certificate:
        return "certificate";
    case fetch_failure::timeout:
        return "timeout";
    case fetch_failure::http_status:
        return "http_status";
    case fetch_failure::redirect:
        return "redirect";
    case fetch_failure::media_type:
        return "media_type";
    case fetch_failure::too_large:
        return "too_large";
    case fetch_failure::protocol:
        return "protocol";
    }
    return "unknown";
}

std::string media_type_of(std::string_view content_type) {
    std::string out(content_type.substr(0, content_type.find(';')));
    const auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
    out.erase(out.begin(), std::find_if(out.begin(), out.end(), not_space));
    out.erase(std::find_if(out.rbegin(), out.rend(), not_space).base(), out.end());
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

asio::awaitable<https_response> async_https_fetch(resolver::channel& dns, https_fetch_options o,
                                                  asio::ssl::context& tls) {
    const auto started = std::chrono::steady_clock::now();
    https_response r;
    const auto addresses = co_await async_addresses(dns, o, r);
    const auto deadline = std::chrono::steady_clock::now() + o.deadline;
    for (const auto& ip : addresses) {
        asio::ssl::stream<beast::tcp_stream> stream(co_await asio::this_coro::executor, tls);
        beast::tcp_stream& tcp = stream.next_layer();
        tcp.expires_at(deadline); // one deadline for the whole fetch, not one per read
        r.ip = ip.to_string();
        auto [ec] = co_await tcp.async_connect(asio::ip::tcp::endpoint(ip, o.port), use_tuple);
        if (ec) {
            fail(r, ec == beast::error::timeout ? fetch_failure::timeout : fetch_failure::connect,
                 "connecting to " + r.ip + ": " + ec.message());
            continue; // the next address may answer
        }
        r.failure = fetch_failure::none;
        r.error.clear();
        co_await async_exchange(stream, o, tls, r);
        error_code ignored;
        tcp.socket().close(ignored);
        break;
    }
    r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    co_return r;
}

} // namespace probe
