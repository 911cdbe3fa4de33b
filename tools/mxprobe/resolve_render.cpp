#include "tools/mxprobe/resolve_render.hpp"

#include "policy/text_join.hpp"

#include <algorithm>
#include <sstream>

namespace mxprobe {

namespace {

using policy::join;

using resolver::dns_status;

template <class Record> nlohmann::json lookup_summary(const resolver::answer<Record>& a) {
    nlohmann::json j{{"name", a.name},
                     {"status", a.status},
                     {"secure", a.authenticated},
                     {"ttl", a.ttl},
                     {"cname_chain", a.cname_chain}};
    if (!a.detail.empty()) {
        j["detail"] = a.detail;
    }
    return j;
}

std::vector<std::string> addresses_of(const resolver::mx_host_lookup& h) {
    std::vector<std::string> out;
    for (const auto& r : h.ipv4.records) {
        out.push_back(r.address);
    }
    for (const auto& r : h.ipv6.records) {
        out.push_back(r.address);
    }
    return out;
}

const char* secure_word(bool authenticated) {
    return authenticated ? "secure" : "insecure";
}

// "noerror" is the expected case; anything else is shown with its status word.
template <class Record> std::string status_note(const resolver::answer<Record>& a) {
    std::string note = a.status == dns_status::noerror ? "" : std::string(to_string(a.status));
    if (a.status == dns_status::noerror || a.status == dns_status::nodata ||
        a.status == dns_status::nxdomain) {
        note += (note.empty() ? "" : ", ") + std::string(secure_word(a.authenticated));
    } else if (!a.detail.empty()) {
        note += ": " + a.detail;
    }
    return note;
}

void text_txt(std::ostringstream& out, const char* label, const resolver::txt_answer& a) {
    if (a.records.empty()) {
        out << label << "(none: " << status_note(a) << ")\n";
        return;
    }
    for (const auto& r : a.records) {
        out << label << r.text << "  (" << status_note(a) << ")\n";
    }
}

} // namespace

nlohmann::json resolve_to_json(const resolver::mail_lookup& lookup) {
    nlohmann::json mx = nlohmann::json::array();
    nlohmann::json tlsa = nlohmann::json::object();
    for (const auto& h : lookup.hosts) {
        mx.push_back({{"preference", h.preference},
                      {"host", h.host},
                      {"addresses", addresses_of(h)},
                      {"a_lookup", lookup_summary(h.ipv4)},
                      {"aaaa_lookup", lookup_summary(h.ipv6)}});
        nlohmann::json t = lookup_summary(h.tlsa);
        t["records"] = h.tlsa.records;
        tlsa[h.host] = std::move(t);
    }
    nlohmann::json mta_sts = nlohmann::json::array();
    for (const auto& r : lookup.mta_sts_txt.records) {
        mta_sts.push_back(r.text);
    }
    nlohmann::json tlsrpt = nlohmann::json::array();
    for (const auto& r : lookup.tlsrpt_txt.records) {
        tlsrpt.push_back(r.text);
    }
    return nlohmann::json{{"schema", resolve_schema_id},
                          {"domain", lookup.domain},
                          {"mx_lookup", lookup_summary(lookup.mx)},
                          {"null_mx", lookup.null_mx},
                          {"null_mx_mixed", lookup.null_mx_mixed},
                          {"implicit_mx", lookup.implicit_mx},
                          {"mx", std::move(mx)},
                          {"mta_sts_txt", std::move(mta_sts)},
                          {"mta_sts_lookup", lookup_summary(lookup.mta_sts_txt)},
                          {"tlsrpt_txt", std::move(tlsrpt)},
                          {"tlsrpt_lookup", lookup_summary(lookup.tlsrpt_txt)},
                          {"tlsa", std::move(tlsa)}};
}

std::string resolve_to_text(const resolver::mail_lookup& lookup) {
    std::ostringstream out;
    out << lookup.domain;
    if (!lookup.mx.cname_chain.empty()) {
        out << "  (alias of " << lookup.mx.canonical_name << ")";
    }
    out << "\n";
    if (lookup.null_mx) {
        out << "MX       null MX (RFC 7505): this domain accepts no mail  ("
            << status_note(lookup.mx) << ")\n";
    } else if (lookup.implicit_mx) {
        out << "MX       none; implicit MX: the domain's own addresses receive mail  ("
            << status_note(lookup.mx) << ")\n";
    } else if (lookup.hosts.empty()) {
        out << "MX       no mail route  (" << status_note(lookup.mx) << ")\n";
    } else {
        out << "MX       " << lookup.hosts.size() << " host(s)  (" << status_note(lookup.mx)
            << ")\n";
    }
    if (lookup.null_mx_mixed) {
        out << "         warning: a '.' (null) MX stands beside other MX records (RFC 7505 §3)\n";
    }
    for (const auto& h : lookup.hosts) {
        const auto addresses = addresses_of(h);
        out << "  " << h.preference << " " << h.host << "\n";
        out << "      addresses  " << (addresses.empty() ? "none" : join(addresses, ", "))
            << "  (A: " << status_note(h.ipv4) << "; AAAA: " << status_note(h.ipv6) << ")\n";
        out << "      TLSA       ";
        if (h.tlsa.records.empty()) {
            out << "none  (" << status_note(h.tlsa) << ")\n";
        } else {
            out << h.tlsa.records.size() << " record(s)  (" << status_note(h.tlsa) << ")\n";
            for (const auto& r : h.tlsa.records) {
                out << "                 " << int{r.usage} << " " << int{r.selector} << " "
                    << int{r.matching_type} << " " << r.data_hex << "\n";
            }
        }
    }
    text_txt(out, "MTA-STS  ", lookup.mta_sts_txt);
    text_txt(out, "TLS-RPT  ", lookup.tlsrpt_txt);
    return out.str();
}

exit_status resolve_exit_status(const resolver::mail_lookup& lookup) {
    switch (lookup.mx.status) {
    case dns_status::noerror:
    case dns_status::nodata:
        break;
    case dns_status::nxdomain:
        return exit_status::critical;
    default:
        return exit_status::unknown;
    }
    if (lookup.null_mx) {
        return exit_status::ok;
    }
    const bool any_address =
        std::any_of(lookup.hosts.begin(), lookup.hosts.end(),
                    [](const auto& h) { return h.ipv4.has_data() || h.ipv6.has_data(); });
    if (any_address) {
        return exit_status::ok;
    }
    // Address lookups that failed (rather than came back empty) leave the question open.
    const bool any_failed =
        std::any_of(lookup.hosts.begin(), lookup.hosts.end(), [](const auto& h) {
            auto failed = [](dns_status s) {
                return s != dns_status::noerror && s != dns_status::nodata &&
                       s != dns_status::nxdomain;
            };
            return failed(h.ipv4.status) || failed(h.ipv6.status);
        });
    return any_failed ? exit_status::unknown : exit_status::critical;
}

} // namespace mxprobe
