#include "resolver/lookup.hpp"

#include "resolver/channel.hpp"
#include "resolver/query.hpp"

#include <algorithm>
#include <set>

#include <ares.h>
#include <nlohmann/json.hpp>

namespace resolver {

namespace asio = boost::asio;

namespace {

constexpr std::uint8_t rcode_noerror = 0;
constexpr std::uint8_t rcode_servfail = 2;
constexpr std::uint8_t rcode_nxdomain = 3;
constexpr std::uint8_t rcode_refused = 5;

template <class Record>
using record_parser = wire_result<Record> (*)(bytes_view, const resource_record&);

dns_status status_from_ares(int ares_status) {
    switch (ares_status) {
    case ARES_ETIMEOUT:
        return dns_status::timeout;
    case ARES_ESERVFAIL:
        return dns_status::servfail;
    case ARES_EREFUSED:
        return dns_status::refused;
    case ARES_ECONNREFUSED:
        return dns_status::connection_refused;
    case ARES_EBADNAME:
        return dns_status::bad_name;
    case ARES_EBADRESP:
    case ARES_EFORMERR:
        return dns_status::bad_response;
    case ARES_ENOTFOUND:
        return dns_status::nxdomain;
    case ARES_ENODATA:
        return dns_status::nodata;
    default:
        return dns_status::error;
    }
}

// What one response says about `qname`: records, a CNAME chain, or where to ask next.
template <class Record> struct step {
    dns_status status = dns_status::error;
    bool authenticated = false;
    std::vector<std::string> cnames;
    std::vector<Record> records;
    std::uint32_t ttl = 0;
    std::string ask_next; ///< set when the chain ends in a CNAME the server did not follow
    std::string detail;
};

template <class Record>
step<Record> read_response(const std::string& qname, rr_type type, const raw_response& raw,
                           record_parser<Record> parse, std::set<std::string>& seen) {
    step<Record> out;
    if (raw.ares_status != ARES_SUCCESS) {
        out.status = status_from_ares(raw.ares_status);
        out.detail = ares_strerror(raw.ares_status);
        return out;
    }
    const bytes_view bytes(raw.bytes);
    auto parsed = parse_message(bytes);
    if (!parsed) {
        out.status = dns_status::bad_response;
        out.detail =
            parsed.error().message + " (offset " + std::to_string(parsed.error().offset) + ")";
        return out;
    }
    const message& msg = *parsed;
    out.authenticated = msg.authentic_data;
    switch (msg.rcode) {
    case rcode_noerror:
    case rcode_nxdomain:
        break;
    case rcode_servfail:
        out.status = dns_status::servfail;
        return out;
    case rcode_refused:
        out.status = dns_status::refused;
        return out;
    default:
        out.status = dns_status::error;
        out.detail = "server answered RCODE " + std::to_string(msg.rcode);
        return out;
    }

    std::string current = canonical_name(qname);
    bool first_ttl = true;
    while (true) {
        for (const resource_record& rr : msg.answers) {
            if (rr.owner != current || rr.type != static_cast<std::uint16_t>(type)) {
                continue;
            }
            auto record = parse(bytes, rr);
            if (!record) {
                out.status = dns_status::bad_response;
                out.detail = record.error().message;
                out.records.clear();
                return out;
            }
            out.records.push_back(std::move(*record));
            out.ttl = first_ttl ? rr.ttl : std::min(out.ttl, rr.ttl);
            first_ttl = false;
        }
        if (!out.records.empty()) {
            out.status = dns_status::noerror;
            return out;
        }
        const auto cname =
            std::find_if(msg.answers.begin(), msg.answers.end(), [&](const auto& rr) {
                return rr.owner == current && rr.type == static_cast<std::uint16_t>(rr_type::cname);
            });
        if (cname == msg.answers.end()) {
            break;
        }
        auto target = parse_cname(bytes, *cname);
        if (!target) {
            out.status = dns_status::bad_response;
            out.detail = target.error().message;
            return out;
        }
        if (!seen.insert(target->target).second || seen.size() > max_cname_hops + 1) {
            out.status = dns_status::cname_loop;
            out.detail = "CNAME chain loops or exceeds " + std::to_string(max_cname_hops) +
                         " hops at " + target->target;
            out.cnames.push_back(target->target);
            return out;
        }
        out.cnames.push_back(target->target);
        current = target->target;
    }
    if (msg.rcode == rcode_nxdomain) {
        out.status = dns_status::nxdomain;
    } else {
        out.status = dns_status::nodata;
        // An authoritative server answers a CNAME into another zone with the CNAME alone.
        if (!out.cnames.empty()) {
            out.ask_next = current;
        }
    }
    return out;
}

template <class Record>
asio::awaitable<answer<Record>> async_lookup(channel& ch, std::string name, rr_type type,
                                             record_parser<Record> parse) {
    answer<Record> out;
    out.name = canonical_name(name);
    out.canonical_name = out.name;
    out.authenticated = true;
    std::set<std::string> seen{out.name};
    std::string ask = out.name;
    for (int hop = 0; hop <= max_cname_hops; ++hop) {
        const raw_response raw = co_await async_query(ch, ask, type);
        step<Record> s = read_response(ask, type, raw, parse, seen);
        out.authenticated = out.authenticated && s.authenticated;
        out.cname_chain.insert(out.cname_chain.end(), s.cnames.begin(), s.cnames.end());
        if (!out.cname_chain.empty()) {
            out.canonical_name = out.cname_chain.back();
        }
        out.status = s.status;
        out.detail = std::move(s.detail);
        out.records = std::move(s.records);
        out.ttl = s.ttl;
        if (s.ask_next.empty()) {
            break;
        }
        ask = std::move(s.ask_next);
        if (hop == max_cname_hops) {
            out.status = dns_status::cname_loop;
            out.detail = "CNAME chain longer than " + std::to_string(max_cname_hops) + " hops";
        }
    }
    // The AD bit means something only for an answer that arrived.
    const bool answered = out.status == dns_status::noerror || out.status == dns_status::nodata ||
                          out.status == dns_status::nxdomain;
    out.authenticated = out.authenticated && answered;
    co_return out;
}

} // namespace

std::string_view to_string(dns_status s) {
    switch (s) {
    case dns_status::noerror:
        return "noerror";
    case dns_status::nodata:
        return "nodata";
    case dns_status::nxdomain:
        return "nxdomain";
    case dns_status::servfail:
        return "servfail";
    case dns_status::refused:
        return "refused";
    case dns_status::timeout:
        return "timeout";
    case dns_status::bad_response:
        return "bad_response";
    case dns_status::cname_loop:
        return "cname_loop";
    case dns_status::connection_refused:
        return "connection_refused";
    case dns_status::bad_name:
        return "bad_name";
    case dns_status::error:
        return "error";
    }
    return "error";
}

void to_json(nlohmann::json& j, dns_status s) {
    j = std::string(to_string(s));
}

asio::awaitable<mx_answer> async_mx(channel& ch, std::string name) {
    return async_lookup<mx_record>(ch, std::move(name), rr_type::mx, &parse_mx);
}

asio::awaitable<address_answer> async_a(channel& ch, std::string name) {
    return async_lookup<address_record>(ch, std::move(name), rr_type::a, &parse_a);
}

asio::awaitable<address_answer> async_aaaa(channel& ch, std::string name) {
    return async_lookup<address_record>(ch, std::move(name), rr_type::aaaa, &parse_aaaa);
}

asio::awaitable<txt_answer> async_txt(channel& ch, std::string name) {
    return async_lookup<txt_record>(ch, std::move(name), rr_type::txt, &parse_txt);
}

asio::awaitable<tlsa_answer> async_tlsa(channel& ch, std::string name) {
    return async_lookup<tlsa_record>(ch, std::move(name), rr_type::tlsa, &parse_tlsa);
}

} // namespace resolver
