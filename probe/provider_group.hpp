#pragma once
// Which provider an MX host belongs to, for politeness: the hosts under one registered domain
// (mx1.mail.example.net and mx2.mail.example.net are example.net's) or in one network (an
// IPv4 /24, an IPv6 /48) are likely the same operator's, and share a connection budget. The
// registered domain comes from the Public Suffix List (libpsl), so `example.co.uk` groups
// right and `co.uk` never becomes one group.

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

struct psl_ctx_st;

namespace probe {

class provider_classifier {
  public:
    /// Loads the newest Public Suffix List libpsl knows (built in, or the system file).
    provider_classifier();
    ~provider_classifier();
    provider_classifier(const provider_classifier&) = delete;
    provider_classifier& operator=(const provider_classifier&) = delete;

    /// "example.co.uk" for "mx.example.co.uk"; the name itself (lower-cased, no trailing
    /// dot) when it has no registrable part.
    [[nodiscard]] std::string registered_domain(std::string_view host) const;

    /// "domain:<registered domain>" and "net:<network>/<prefix>".
    [[nodiscard]] std::vector<std::string> groups(std::string_view host,
                                                  const boost::asio::ip::address& ip) const;

  private:
    psl_ctx_st* psl_ = nullptr;
};

/// "192.0.2.0/24" or "2001:db8:1::/48": the network an address is grouped by.
std::string provider_network(const boost::asio::ip::address& ip);

} // namespace probe
