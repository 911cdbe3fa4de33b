#include "probe/provider_group.hpp"

#include <algorithm>
#include <cctype>
#include <libpsl.h>

namespace probe {

namespace {

std::string normalised(std::string_view host) {
    std::string out(host);
    if (!out.empty() && out.back() == '.') {
        out.pop_back();
    }
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

// psl_latest falls back to the built-in list; should even that be missing, grouping degrades
// to "the name's last two labels" (registered_domain) rather than failing the scan.
provider_classifier::provider_classifier() : psl_(psl_latest(nullptr)) {}

provider_classifier::~provider_classifier() {
    // psl_free ignores the built-in list, so it is safe on whatever psl_latest returned.
    psl_free(psl_);
}

std::string provider_classifier::registered_domain(std::string_view host) const {
    std::string name = normalised(host);
    if (psl_ != nullptr) {
        if (const char* reg = psl_registrable_domain(psl_, name.c_str()); reg != nullptr) {
            return reg; // points into `name`
        }
        return name;
    }
    const auto last = name.rfind('.');
    if (last == std::string::npos || last == 0) {
        return name;
    }
    const auto second = name.rfind('.', last - 1);
    return second == std::string::npos ? name : name.substr(second + 1);
}

std::vector<std::string> provider_classifier::groups(std::string_view host,
                                                     const boost::asio::ip::address& ip) const {
    return {"domain:" + registered_domain(host), "net:" + provider_network(ip)};
}

std::string provider_network(const boost::asio::ip::address& ip) {
    if (ip.is_v4()) {
        auto bytes = ip.to_v4().to_bytes();
        bytes[3] = 0;
        return boost::asio::ip::address_v4(bytes).to_string() + "/24";
    }
    auto bytes = ip.to_v6().to_bytes();
    std::fill(bytes.begin() + 6, bytes.end(), 0);
    return boost::asio::ip::address_v6(bytes).to_string() + "/48";
}

} // namespace probe
