#include "tests/support/fake_zone.hpp"

#include <memory>
#include <utility>

namespace mxprobe_test {

fake_zone& fake_zone::add(const std::string& name, std::uint16_t type, adder f) {
    entries_.emplace(name, entry{type, std::move(f)});
    return *this;
}

fake_zone& fake_zone::mx(const std::string& name, std::uint16_t preference, std::string host) {
    return add(name, qtype::mx, [=, host = std::move(host)](dns_packet_builder& b) {
        b.mx(name, preference, host);
    });
}

fake_zone& fake_zone::a(const std::string& name, std::string address) {
    return add(name, qtype::a,
               [=, address = std::move(address)](dns_packet_builder& b) { b.a(name, address); });
}

fake_zone& fake_zone::aaaa(const std::string& name, std::string address) {
    return add(name, qtype::aaaa,
               [=, address = std::move(address)](dns_packet_builder& b) { b.aaaa(name, address); });
}

fake_zone& fake_zone::txt(const std::string& name, std::string text) {
    return add(name, qtype::txt, [=, text = std::move(text)](dns_packet_builder& b) {
        b.txt(name, split_txt(text));
    });
}

fake_zone& fake_zone::tlsa(const std::string& name, std::uint8_t usage, std::uint8_t selector,
                           std::uint8_t matching_type, bytes data) {
    return add(name, qtype::tlsa, [=, data = std::move(data)](dns_packet_builder& b) {
        b.tlsa(name, usage, selector, matching_type, data);
    });
}

fake_zone& fake_zone::cname(const std::string& name, std::string target) {
    return add(name, qtype::cname,
               [=, target = std::move(target)](dns_packet_builder& b) { b.cname(name, target); });
}

fake_zone& fake_zone::servfail(const std::string& name) {
    broken_[name] = true;
    return *this;
}

fake_zone& fake_zone::silent(const std::string& name) {
    broken_[name] = false;
    return *this;
}

fake_zone& fake_zone::secure(bool on) {
    secure_ = on;
    return *this;
}

response fake_zone::answer(const query& q) const {
    if (const auto it = broken_.find(q.name); it != broken_.end()) {
        if (!it->second) {
            return response::drop();
        }
        return reply_to(q).rcode(rcode::servfail);
    }
    auto b = reply_to(q);
    b.set_flag(flag::aa);
    b.set_flag(flag::ad, secure_);
    const auto [first, last] = entries_.equal_range(q.name);
    if (first == last) {
        b.rcode(rcode::nxdomain);
        return b;
    }
    bool cname_only = true;
    for (auto it = first; it != last; ++it) {
        cname_only = cname_only && it->second.type == qtype::cname;
        if (it->second.type == q.type) {
            it->second.add(b);
        }
    }
    // A name that is an alias answers every type with its CNAME (RFC 1034 §3.6.2).
    if (cname_only && q.type != qtype::cname) {
        for (auto it = first; it != last; ++it) {
            it->second.add(b);
        }
    }
    return b;
}

query_handler fake_zone::handler() const {
    auto self = std::make_shared<const fake_zone>(*this);
    return [self](const query& q) { return self->answer(q); };
}

} // namespace mxprobe_test
