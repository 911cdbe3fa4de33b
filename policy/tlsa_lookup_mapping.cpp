#include "policy/tlsa_lookup_mapping.hpp"

namespace policy {

tlsa_lookup to_tlsa_lookup(const resolver::tlsa_answer& answer) {
    tlsa_lookup out;
    out.name = answer.name;
    out.authenticated = answer.authenticated;
    out.detail = std::string(resolver::to_string(answer.status)) +
                 (answer.detail.empty() ? "" : " (" + answer.detail + ")");
    switch (answer.status) {
    case resolver::dns_status::noerror:
        out.state = tlsa_lookup_state::records;
        out.records = answer.records;
        break;
    case resolver::dns_status::nodata:
    case resolver::dns_status::nxdomain:
        out.state = tlsa_lookup_state::no_records;
        break;
    case resolver::dns_status::servfail:
        out.state = tlsa_lookup_state::bogus;
        break;
    default:
        out.state = tlsa_lookup_state::failed;
        break;
    }
    return out;
}

} // namespace policy
