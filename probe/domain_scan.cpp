#include "probe/domain_scan.hpp"

#include "resolver/mail_lookup.hpp"

#include <algorithm>
#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probe {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The (host, address) pairs to probe, in MX order, within the caps and address families.
std::vector<mx_address_probe> plan_probes(const resolver::mail_lookup& route,
                                          const domain_scan_options& o,
                                          std::vector<std::string>& not_probed) {
    std::vector<mx_address_probe> out;
    std::size_t hosts = 0;
    for (const auto& h : route.hosts) {
        if (++hosts > o.max_mx_hosts) {
            not_probed.push_back(h.host + ": beyond the first " + std::to_string(o.max_mx_hosts) +
                                 " MX hosts");
            continue;
        }
        std::size_t taken = 0;
        const auto add = [&](const resolver::address_answer& a, bool wanted, const char* family) {
            for (const auto& r : a.records) {
                boost::system::error_code ec;
                (void)asio::ip::make_address(r.address, ec);
                if (ec) {
                    not_probed.push_back(h.host + " '" + r.address + "': not an IP address");
                    continue;
                }
                if (!wanted) {
                    not_probed.push_back(h.host + " " + r.address + ": " + family + " excluded");
                    continue;
                }
                if (++taken > o.max_addresses_per_host) {
                    not_probed.push_back(h.host + " " + r.address + ": beyond the first " +
                                         std::to_string(o.max_addresses_per_host) + " addresses");
                    continue;
                }
                out.push_back({h.host, h.preference, r.address, o.port, nullptr});
            }
        };
        add(h.ipv4, o.ipv4, "IPv4");
        add(h.ipv6, o.ipv6, "IPv6");
    }
    return out;
}

asio::awaitable<probe_cache::result_ptr>
async_shared_probe(scan_context& ctx, host_probe_target target, host_probe_options options) {
    std::string key = probe_key(target, options);
    // A named function object, not a temporary converted in the call: GCC 12 destroys such a
    // temporary argument of a coroutine twice.
    probe_cache::start_fn start = [&ctx, target, options]() {
        return async_probe_host(target, options, ctx.budget, ctx.providers, ctx.tls);
    };
    co_return co_await ctx.cache.async_get(std::move(key), std::move(start));
}

asio::awaitable<void> async_probe_all(scan_context& ctx, std::vector<mx_address_probe>& probes,
                                      const domain_scan_options& o) {
    if (probes.empty()) {
        co_return;
    }
    auto ex = co_await asio::this_coro::executor;
    using op_type = decltype(asio::co_spawn(
        ex, async_shared_probe(ctx, host_probe_target{}, host_probe_options{}), asio::deferred));
    std::vector<op_type> ops;
    ops.reserve(probes.size());
    for (const auto& p : probes) {
        host_probe_target target{p.host, asio::ip::make_address(p.ip), p.port};
        ops.push_back(asio::co_spawn(ex, async_shared_probe(ctx, target, o.host), asio::deferred));
    }
    auto [order, errors, results] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    (void)order;
    for (std::size_t i = 0; i < probes.size(); ++i) {
        if (errors[i]) {
            std::rethrow_exception(errors[i]); // the cache turns probe failures into results
        }
        probes[i].result = std::move(results[i]);
    }
}

} // namespace

std::string probe_key(const host_probe_target& t, const host_probe_options& o) {
    return lower(t.host) + "|" + t.ip.to_string() + "|" + std::to_string(t.port) + "|" +
           (o.enumerate ? "enumerate" : "plain") + "|" + o.session.ehlo_name;
}

asio::awaitable<domain_facts> async_scan_domain(scan_context& ctx, std::string domain,
                                                domain_scan_options o) {
    const auto started = std::chrono::steady_clock::now();
    domain_facts out;
    out.domain = domain;
    out.route = co_await resolver::async_mail_lookup(ctx.dns, domain);
    out.probes = plan_probes(out.route, o, out.not_probed);
    // `&&` drops the void result of the probes: what remains is the policy fetch.
    out.sts_fetch = co_await (
        async_probe_all(ctx, out.probes, o) &&
        async_fetch_sts_policy(ctx.dns, out.route.domain, out.route.mta_sts_txt, o.sts, ctx.tls));
    out.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    co_return out;
}

} // namespace probe
