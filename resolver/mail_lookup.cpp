#include "resolver/mail_lookup.hpp"

#include "resolver/channel.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace resolver {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

asio::awaitable<mx_host_lookup> async_host_lookup(channel& ch, std::uint16_t preference,
                                                  std::string host) {
    mx_host_lookup out;
    out.preference = preference;
    out.host = host;
    std::tie(out.ipv4, out.ipv6, out.tlsa) =
        co_await (async_a(ch, host) && async_aaaa(ch, host) && async_tlsa(ch, "_25._tcp." + host));
    co_return out;
}

// Null MX (RFC 7505 §3) is a `.` exchange; other exchanges become hosts to probe, lowest
// preference first, each name once (at its lowest preference).
void classify_mx(mail_lookup& out, std::vector<std::pair<std::uint16_t, std::string>>& hosts) {
    const auto& records = out.mx.records;
    const auto root_count = std::count_if(records.begin(), records.end(),
                                          [](const mx_record& r) { return r.host.empty(); });
    out.null_mx = root_count > 0 && records.size() == 1 && records.front().preference == 0;
    out.null_mx_mixed = root_count > 0 && !out.null_mx;
    for (const mx_record& r : records) {
        if (!r.host.empty()) {
            hosts.emplace_back(r.preference, r.host);
        }
    }
    std::stable_sort(hosts.begin(), hosts.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::uint16_t, std::string>> unique;
    for (auto& h : hosts) {
        if (std::none_of(unique.begin(), unique.end(),
                         [&](const auto& u) { return u.second == h.second; })) {
            unique.push_back(std::move(h));
        }
    }
    hosts = std::move(unique);
}

} // namespace

asio::awaitable<mail_lookup> async_mail_lookup(channel& ch, std::string domain) {
    mail_lookup out;
    out.domain = canonical_name(domain);
    std::tie(out.mx, out.mta_sts_txt, out.tlsrpt_txt) =
        co_await (async_mx(ch, out.domain) && async_txt(ch, "_mta-sts." + out.domain) &&
                  async_txt(ch, "_smtp._tls." + out.domain));

    std::vector<std::pair<std::uint16_t, std::string>> hosts;
    if (out.mx.status == dns_status::noerror) {
        classify_mx(out, hosts);
    } else if (out.mx.status == dns_status::nodata) {
        // RFC 5321 §5.1: no MX RRset at all, so the domain itself is the mail host.
        hosts.emplace_back(0, out.domain);
    }
    if (out.null_mx || hosts.empty()) {
        co_return out;
    }

    auto ex = co_await asio::this_coro::executor;
    using host_op = decltype(asio::co_spawn(ex, async_host_lookup(ch, 0, {}), asio::deferred));
    std::vector<host_op> ops;
    ops.reserve(hosts.size());
    for (auto& [preference, host] : hosts) {
        ops.push_back(asio::co_spawn(ex, async_host_lookup(ch, preference, host), asio::deferred));
    }
    auto [order, errors, results] =
        co_await asio::experimental::make_parallel_group(std::move(ops))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (errors[i]) {
            std::rethrow_exception(errors[i]); // a bug, not a DNS outcome
        }
    }
    out.hosts = std::move(results);

    if (out.mx.status == dns_status::nodata) {
        const auto& self = out.hosts.front();
        out.implicit_mx = self.ipv4.has_data() || self.ipv6.has_data();
        auto absent = [](dns_status s) {
            return s == dns_status::nodata || s == dns_status::nxdomain;
        };
        if (absent(self.ipv4.status) && absent(self.ipv6.status)) {
            out.hosts.clear(); // no MX and no address: there is no mail route at all
        }
    }
    co_return out;
}

} // namespace resolver
