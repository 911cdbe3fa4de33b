#include "tools/mxprobe/alert_sinks.hpp"

#include "probe/openssl_error.hpp"
#include "probe/tls_context.hpp"
#include "probe/use_tuple.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <optional>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <openssl/ssl.h>

namespace mxprobe {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;

namespace {

using probe::use_tuple;

} // namespace

struct alert_sinks::state {
    asio::any_io_executor executor;
    alert_sink_settings settings;
    std::ofstream jsonl_file;
    std::ostream* jsonl = nullptr; ///< std::cout or jsonl_file
    std::optional<parsed_url> url;
    std::optional<asio::ssl::context> tls;
    std::deque<std::string> webhook_queue;
    std::deque<std::string> command_queue;
    bool webhook_busy = false;
    bool command_busy = false;
    std::size_t failures = 0;
    asio::steady_timer idle; ///< cancelled whenever a worker goes idle, to wake async_drain

    state(const asio::any_io_executor& ex, alert_sink_settings s)
        : executor(ex), settings(std::move(s)), idle(ex) {}
    [[nodiscard]] bool busy() const { return webhook_busy || command_busy; }
};

namespace {

template <class Stream>
asio::awaitable<int> async_exchange(Stream& stream, beast::tcp_stream& tcp, const parsed_url& u,
                                    std::string body, std::chrono::milliseconds timeout) {
    http::request<http::string_body> request{http::verb::post, u.target, 11};
    request.set(http::field::host, u.host);
    request.set(http::field::user_agent, "mxprobe-watch");
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    tcp.expires_after(timeout);
    auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
    (void)written;
    if (write_ec) {
        co_return 0;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(std::uint64_t{64} * 1024);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)read;
    co_return read_ec ? 0 : static_cast<int>(parser.get().result_int());
}

// One POST attempt; the HTTP status, or 0 when no answer came.
asio::awaitable<int> async_post_once(alert_sinks::state& s, std::string body) {
    const parsed_url& u = *s.url;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(u.host, ec);
    beast::tcp_stream tcp(s.executor);
    tcp.expires_after(s.settings.webhook_timeout);
    if (!ec) {
        auto [connect_ec] = co_await tcp.async_connect(tcp::endpoint(address, u.port), use_tuple);
        if (connect_ec) {
            co_return 0;
        }
    } else {
        // A name: Asio's resolver (getaddrinfo on its own thread) is enough for one lookup
        // per alert, and leaves the event loop free.
        tcp::resolver resolver(s.executor);
        auto [resolve_ec, results] =
            co_await resolver.async_resolve(u.host, std::to_string(u.port), use_tuple);
        if (resolve_ec) {
            co_return 0;
        }
        auto [connect_ec, at] = co_await tcp.async_connect(results, use_tuple);
        (void)at;
        if (connect_ec) {
            co_return 0;
        }
    }
    if (!u.tls) {
        co_return co_await async_exchange(tcp, tcp, u, std::move(body), s.settings.webhook_timeout);
    }
    asio::ssl::stream<beast::tcp_stream&> stream(tcp, *s.tls);
    SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str());
    stream.set_verify_callback(asio::ssl::host_name_verification(u.host));
    auto [handshake_ec] =
        co_await stream.async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (handshake_ec) {
        co_return 0;
    }
    co_return co_await async_exchange(stream, tcp, u, std::move(body), s.settings.webhook_timeout);
}

asio::awaitable<void> async_webhook_worker(std::shared_ptr<alert_sinks::state> s) {
    while (!s->webhook_queue.empty()) {
        const std::string body = std::move(s->webhook_queue.front());
        s->webhook_queue.pop_front();
        auto delay = s->settings.webhook_first_retry;
        bool delivered = false;
        for (int attempt = 1; attempt <= s->settings.webhook_attempts && !delivered; ++attempt) {
            const int status = co_await async_post_once(*s, body);
            delivered = status >= 200 && status < 300;
            if (!delivered && attempt < s->settings.webhook_attempts) {
                asio::steady_timer wait(s->executor, delay);
                co_await wait.async_wait(use_tuple);
                delay *= 2;
            }
            if (!delivered && attempt == s->settings.webhook_attempts) {
                (void)std::fprintf(
                    stderr, "mxprobe watch: webhook %s: gave up after %d attempts (%s)\n",
                    s->settings.webhook.c_str(), attempt,
                    status == 0 ? "no answer" : ("HTTP " + std::to_string(status)).c_str());
            }
        }
        s->failures += delivered ? 0 : 1;
    }
    s->webhook_busy = false;
    s->idle.cancel();
}

// Runs the command once with `body` on its standard input; true when it exits 0.
asio::awaitable<bool> async_run_command(alert_sinks::state& s, std::string body) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        co_return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    std::string shell = "/bin/sh";
    std::string flag = "-c";
    std::string command = s.settings.command;
    char* argv[] = {shell.data(), flag.data(), command.data(), nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[0]);
    if (spawned != 0) {
        ::close(pipe_fds[1]);
        co_return false;
    }
    {
        asio::posix::stream_descriptor in(s.executor, pipe_fds[1]);
        body += "\n";
        auto [ec, n] = co_await asio::async_write(in, asio::buffer(body), use_tuple);
        (void)ec;
        (void)n;
    } // closing stdin tells the command the alert is complete
    asio::steady_timer poll(s.executor);
    const auto deadline = std::chrono::steady_clock::now() + s.settings.command_timeout;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            co_return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            (void)std::fprintf(stderr, "mxprobe watch: alert command killed after %lld ms\n",
                               static_cast<long long>(s.settings.command_timeout.count()));
            co_return false;
        }
        poll.expires_after(std::chrono::milliseconds(20));
        co_await poll.async_wait(use_tuple);
    }
    co_return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

asio::awaitable<void> async_command_worker(std::shared_ptr<alert_sinks::state> s) {
    while (!s->command_queue.empty()) {
        std::string body = std::move(s->command_queue.front());
        s->command_queue.pop_front();
        if (!co_await async_run_command(*s, std::move(body))) {
            ++s->failures;
            (void)std::fprintf(stderr, "mxprobe watch: alert command '%s' failed\n",
                               s->settings.command.c_str());
        }
    }
    s->command_busy = false;
    s->idle.cancel();
}

} // namespace

parsed_url parse_webhook_url(const std::string& url) {
    parsed_url u;
    std::string rest;
    if (url.rfind("https://", 0) == 0) {
        u.tls = true;
        rest = url.substr(8);
    } else if (url.rfind("http://", 0) == 0) {
        rest = url.substr(7);
    } else {
        throw std::invalid_argument("webhook '" + url + "' is not an http:// or https:// URL");
    }
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    u.port = u.tls ? 443 : 80;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            throw std::invalid_argument("webhook '" + url + "': unclosed [");
        }
        u.host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        if (!authority.empty() && authority.front() == ':') {
            authority = authority.substr(1);
        } else {
            authority.clear();
        }
    } else if (const auto colon = authority.find(':'); colon != std::string::npos) {
        u.host = authority.substr(0, colon);
        authority = authority.substr(colon + 1);
    } else {
        u.host = authority;
        authority.clear();
    }
    if (!authority.empty()) {
        if (authority.size() > 5 ||
            authority.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(authority) == 0 || std::stoul(authority) > 65535) {
            throw std::invalid_argument("webhook '" + url + "': bad port '" + authority + "'");
        }
        u.port = static_cast<std::uint16_t>(std::stoul(authority));
    }
    if (u.host.empty()) {
        throw std::invalid_argument("webhook '" + url + "' has no host");
    }
    return u;
}

alert_sinks::alert_sinks(const asio::any_io_executor& executor, alert_sink_settings settings)
    : state_(std::make_shared<state>(executor, std::move(settings))) {
    auto& s = *state_;
    if (s.settings.jsonl == "-") {
        s.jsonl = &std::cout;
    } else if (!s.settings.jsonl.empty()) {
        s.jsonl_file.open(s.settings.jsonl, std::ios::app);
        if (!s.jsonl_file) {
            throw std::runtime_error("cannot append alerts to " + s.settings.jsonl + ": " +
                                     std::strerror(errno));
        }
        s.jsonl = &s.jsonl_file;
    }
    if (!s.settings.command.empty()) {
        // A command that exits before reading its input closes the pipe under our write:
        // that must be an error code, not SIGPIPE killing the watch.
        (void)std::signal(SIGPIPE, SIG_IGN);
    }
    if (!s.settings.webhook.empty()) {
        s.url = parse_webhook_url(s.settings.webhook);
        if (s.url->tls) {
            probe::tls_client_config config;
            config.ca_file = s.settings.ca_file;
            config.cipher_list = "DEFAULT"; // a webhook is not a probe: normal security level
            s.tls.emplace(probe::make_tls_context(config));
            SSL_CTX_set_verify(s.tls->native_handle(), SSL_VERIFY_PEER, nullptr);
        }
    }
}

alert_sinks::~alert_sinks() = default;

void alert_sinks::deliver(const nlohmann::json& event) {
    auto& s = *state_;
    const std::string text = event.dump();
    if (s.jsonl != nullptr) {
        *s.jsonl << text << '\n' << std::flush;
        if (!*s.jsonl) {
            ++s.failures;
            (void)std::fprintf(stderr, "mxprobe watch: cannot append an alert to %s\n",
                               s.settings.jsonl.c_str());
            s.jsonl->clear();
        }
    }
    if (s.url) {
        s.webhook_queue.push_back(text);
        if (!s.webhook_busy) {
            s.webhook_busy = true;
            asio::co_spawn(s.executor, async_webhook_worker(state_), asio::detached);
        }
    }
    if (!s.settings.command.empty()) {
        s.command_queue.push_back(text);
        if (!s.command_busy) {
            s.command_busy = true;
            asio::co_spawn(s.executor, async_command_worker(state_), asio::detached);
        }
    }
}

asio::awaitable<void> alert_sinks::async_drain(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    auto s = state_;
    while (s->busy() && std::chrono::steady_clock::now() < until) {
        s->idle.expires_at(
            std::min(until, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
        co_await s->idle.async_wait(use_tuple);
    }
}

std::size_t alert_sinks::failures() const {
    return state_->failures;
}

} // namespace mxprobe
