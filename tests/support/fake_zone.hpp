#pragma once
// A small authoritative zone for the fake DNS server: records added by owner name and type;
// a name with no records at all answers NXDOMAIN, a name with records of other types only
// answers NODATA. Answers can carry the AD bit, as a validating resolver's would.

#include "tests/support/fake_dns_server.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mxprobe_test {

class fake_zone {
  public:
    using adder = std::function<void(dns_packet_builder&)>;

    fake_zone& mx(const std::string& name, std::uint16_t preference, std::string host);
    fake_zone& a(const std::string& name, std::string address);
    fake_zone& aaaa(const std::string& name, std::string address);
    fake_zone& txt(const std::string& name, std::string text);
    fake_zone& tlsa(const std::string& name, std::uint8_t usage, std::uint8_t selector,
                    std::uint8_t matching_type, bytes data);
    fake_zone& cname(const std::string& name, std::string target);
    /// Any answer for `name` (every type) comes back SERVFAIL.
    fake_zone& servfail(const std::string& name);
    /// Queries for `name` get no answer at all.
    fake_zone& silent(const std::string& name);
    /// Set the AD bit on every answer (as from a validating resolver on a secure path).
    fake_zone& secure(bool on = true);

    [[nodiscard]] response answer(const query& q) const;
    /// A handler holding a copy of the zone as it is now.
    [[nodiscard]] query_handler handler() const;

  private:
    struct entry {
        std::uint16_t type = 0;
        adder add;
    };
    fake_zone& add(const std::string& name, std::uint16_t type, adder f);
    std::multimap<std::string, entry> entries_;
    std::map<std::string, bool> broken_; ///< name -> true: SERVFAIL, false: no answer
    bool secure_ = false;
};

} // namespace mxprobe_test
