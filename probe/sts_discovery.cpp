#include "probe/sts_discovery.hpp"

#include <algorithm>

namespace probe {

bool looks_like_sts_record(std::string_view txt) {
    constexpr std::string_view tag = "v=STSv1";
    if (!txt.starts_with(tag)) {
        return false;
    }
    // "v=STSv1" alone, or followed by a delimiter: "v=STSv10" is another version.
    return txt.size() == tag.size() || txt[tag.size()] == ';' || txt[tag.size()] == ' ' ||
           txt[tag.size()] == '\t';
}

boost::asio::awaitable<std::optional<https_response>>
async_fetch_sts_policy(resolver::channel& dns, std::string domain, resolver::txt_answer txt,
                       sts_discovery_options options, boost::asio::ssl::context& tls) {
    if (!domain.empty() && domain.back() == '.') {
        domain.pop_back();
    }
    const bool claims_sts =
        std::any_of(txt.records.begin(), txt.records.end(),
                    [](const resolver::txt_record& r) { return looks_like_sts_record(r.text); });
    if (!claims_sts) {
        co_return std::nullopt;
    }
    https_fetch_options fetch;
    fetch.host = "mta-sts." + domain;
    fetch.port = options.port;
    fetch.deadline = options.deadline;
    fetch.allow_private = options.allow_private;
    co_return co_await async_https_fetch(dns, fetch, tls);
}

boost::asio::awaitable<sts_discovery> async_discover_sts(resolver::channel& dns, std::string domain,
                                                         sts_discovery_options options,
                                                         boost::asio::ssl::context& tls) {
    if (!domain.empty() && domain.back() == '.') {
        domain.pop_back();
    }
    sts_discovery out;
    out.domain = domain;
    out.txt = co_await resolver::async_txt(dns, "_mta-sts." + domain);
    out.fetch = co_await async_fetch_sts_policy(dns, domain, out.txt, options, tls);
    co_return out;
}

} // namespace probe
