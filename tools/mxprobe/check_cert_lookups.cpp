#include "tools/mxprobe/check_cert_lookups.hpp"

#include "probe/address_class.hpp"
#include "probe/https_fetch.hpp"
#include "probe/smtp_session.hpp"
#include "resolver/channel.hpp"
#include "resolver/lookup.hpp"
#include "resolver/mail_lookup.hpp"

#include <exception>
#include <tuple>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mxprobe {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

// Runs every task concurrently and returns their results in the order given. An exception
// from a task is a bug, not an outcome, and is rethrown.
template <class T>
asio::awaitable<std::vector<T>> async_all(std::vector<asio::awaitable<T>> tasks) {
    if (tasks.empty()) {
        co_return std::vector<T>{};
    }
    auto ex = co_await asio::this_coro::executor;
    using op = decltype(asio::co_spawn(ex, std::declval<asio::awaitable<T>>(), asio::deferred));
    std::vector<op> ops;
    ops.reserve(tasks.size());
    for (auto& task : tasks) {
        ops.push_back(asio::co_spawn(ex, std::move(task), asio::deferred));
    }
    auto [order, errors, results] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    for (const auto& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }
    co_return std::move(results);
}

asio::awaitable<domain_facts> async_domain(resolver::channel& dns, std::string domain,
                                           bool discover_sts, probe::sts_discovery_options sts,
                                           asio::ssl::context& tls) {
    domain_facts out;
    if (discover_sts) {
        std::tie(out.route, out.sts) = co_await (resolver::async_mail_lookup(dns, domain) &&
                                                 probe::async_discover_sts(dns, domain, sts, tls));
    } else {
        out.route = co_await resolver::async_mail_lookup(dns, domain);
    }
    co_return out;
}

// The same three lookups the mail route makes for each of its MX hosts.
asio::awaitable<resolver::mx_host_lookup> async_host(resolver::channel& dns, std::string host) {
    resolver::mx_host_lookup out;
    out.host = host;
    std::tie(out.ipv4, out.ipv6, out.tlsa) =
        co_await (resolver::async_a(dns, host) && resolver::async_aaaa(dns, host) &&
                  resolver::async_tlsa(dns, "_25._tcp." + host));
    co_return out;
}

std::optional<std::string> first_address(const resolver::mx_host_lookup& h) {
    for (const auto* answer : {&h.ipv4, &h.ipv6}) {
        if (answer->has_data() && !answer->records.empty()) {
            return answer->records.front().address;
        }
    }
    return std::nullopt;
}

std::string endpoint_text(const asio::ip::address& ip, std::uint16_t port) {
    return (ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string()) + ":" + std::to_string(port);
}

asio::awaitable<live_probe> async_live_one(resolver::mx_host_lookup host, live_request r,
                                           asio::ssl::context& tls) {
    live_probe out;
    out.view.host = host.host;
    const auto address = first_address(host);
    if (!address) {
        out.view.error = "no address (A: " + std::string(to_string(host.ipv4.status)) +
                         ", AAAA: " + std::string(to_string(host.ipv6.status)) + ")";
        co_return out;
    }
    boost::system::error_code ec;
    const auto ip = asio::ip::make_address(*address, ec);
    if (ec) {
        out.view.error = "unreadable address " + *address;
        co_return out;
    }
    out.view.endpoint = endpoint_text(ip, r.port);
    if (const auto reason = probe::special_address_reason(ip); reason && !r.allow_private) {
        out.view.error = "refusing to connect to " + ip.to_string() + ": " + *reason +
                         " address (use --allow-private to probe it anyway)";
        co_return out;
    }
    probe::session_options options;
    options.ehlo_name = r.ehlo_name;
    options.timeouts.connect = options.timeouts.banner = options.timeouts.command =
        options.timeouts.handshake = r.step;
    options.timeouts.quit = std::min(r.step, std::chrono::milliseconds(2000));
    probe::session_result session = co_await probe::async_smtp_session(
        asio::ip::tcp::endpoint(ip, r.port), host.host, options, tls);
    if (session.tls) {
        out.view.chain = session.tls->chain;
    } else {
        out.view.error = std::string(probe::to_string(session.outcome)) +
                         (session.error.empty() ? "" : ": " + session.error);
    }
    out.session = std::move(session);
    co_return out;
}

asio::awaitable<live_probe> async_policy_host_one(resolver::channel& dns, std::string host,
                                                  live_request r, asio::ssl::context& tls) {
    probe::https_fetch_options o;
    o.host = host;
    o.port = r.port;
    o.allow_private = r.allow_private;
    // A whole fetch gets the budget of a few steps: connect, handshake, request, body.
    o.deadline = r.step * 4;
    const probe::https_response response = co_await probe::async_https_fetch(dns, o, tls);
    live_probe out;
    out.view.host = host;
    if (!response.ip.empty()) {
        boost::system::error_code ec;
        const auto ip = asio::ip::make_address(response.ip, ec);
        out.view.endpoint = ec ? response.ip : endpoint_text(ip, r.port);
    }
    if (response.tls) {
        out.view.chain = response.tls->chain;
    } else {
        out.view.error = response.error;
    }
    co_return out;
}

} // namespace

asio::awaitable<lookup_facts> async_lookup_all(resolver::channel& dns, lookup_request request,
                                               asio::ssl::context& tls) {
    std::vector<asio::awaitable<domain_facts>> domains;
    domains.reserve(request.domains.size());
    for (const auto& d : request.domains) {
        domains.push_back(async_domain(dns, d, request.discover_sts, request.sts, tls));
    }
    std::vector<asio::awaitable<resolver::mx_host_lookup>> hosts;
    hosts.reserve(request.hosts.size());
    for (const auto& h : request.hosts) {
        hosts.push_back(async_host(dns, h));
    }
    lookup_facts out;
    std::tie(out.domains, out.hosts) =
        co_await (async_all(std::move(domains)) && async_all(std::move(hosts)));
    co_return out;
}

asio::awaitable<std::vector<live_probe>>
async_probe_live(std::vector<resolver::mx_host_lookup> hosts, live_request request,
                 asio::ssl::context& tls) {
    std::vector<asio::awaitable<live_probe>> tasks;
    tasks.reserve(hosts.size());
    for (auto& h : hosts) {
        tasks.push_back(async_live_one(std::move(h), request, tls));
    }
    co_return co_await async_all(std::move(tasks));
}

asio::awaitable<std::vector<live_probe>>
async_probe_policy_hosts(resolver::channel& dns, std::vector<std::string> policy_hosts,
                         live_request request, asio::ssl::context& tls) {
    std::vector<asio::awaitable<live_probe>> tasks;
    tasks.reserve(policy_hosts.size());
    for (auto& h : policy_hosts) {
        tasks.push_back(async_policy_host_one(dns, std::move(h), request, tls));
    }
    co_return co_await async_all(std::move(tasks));
}

} // namespace mxprobe
