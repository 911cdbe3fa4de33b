#include "policy/dane_rollover.hpp"

#include <algorithm>

namespace policy {

namespace {

check make(const std::string& host, check_status status, std::string message) {
    return {"dane", host, status, std::move(message), std::nullopt};
}

std::string record_text(const resolver::tlsa_record& r) {
    const std::string data = r.data_hex.size() > 16 ? r.data_hex.substr(0, 16) + "..." : r.data_hex;
    return std::to_string(r.usage) + " " + std::to_string(r.selector) + " " +
           std::to_string(r.matching_type) + " " + data;
}

std::string records_text(const std::vector<const resolver::tlsa_record*>& records) {
    std::string out;
    for (const auto* r : records) {
        out += (out.empty() ? "" : ", ") + record_text(*r);
    }
    return out;
}

tlsa_to_publish publish_for(const dane_rollover_input& in) {
    return {in.lookup.name, "3 1 1 " + in.candidate.front().spki_sha256, in.ttl};
}

std::string publish_text(const tlsa_to_publish& p) {
    return "publish \"" + p.owner + ". IN TLSA " + p.record +
           "\" next to the current record(s), "
           "then wait " +
           duration_text(p.wait_seconds) + ", the TTL of the TLSA answer, before deploying";
}

// The records of `v` that matched and authenticated (a DANE-TA match with a rejection did
// not authenticate).
std::vector<const resolver::tlsa_record*> good_matches(const dane_verdict& v) {
    std::vector<const resolver::tlsa_record*> out;
    for (const auto& r : v.records) {
        if (r.usable && r.matched && r.rejection.empty()) {
            out.push_back(&r.record);
        }
    }
    return out;
}

check judge_match(const dane_rollover_input& in, const dane_verdict& v,
                  std::chrono::system_clock::time_point now) {
    const auto matches = good_matches(v);
    std::string message = "the new chain matches " + records_text(matches);
    if (in.live && in.live->tls && !in.live->tls->chain.empty()) {
        const dane_verdict current = evaluate_dane(in.lookup, *in.live, now);
        if (!current.authenticated) {
            return make(in.host, check_status::ok,
                        message + "; the TLSA records match only the new certificate, not the "
                                  "one the MX presents now (DANE senders fail today): deploy it");
        }
        // The two verdicts hold their own copies of the records: compare by value.
        std::vector<const resolver::tlsa_record*> only_current;
        for (const auto& cr : current.records) {
            if (!(cr.usable && cr.matched && cr.rejection.empty())) {
                continue;
            }
            const bool also_new = std::any_of(matches.begin(), matches.end(), [&](const auto* m) {
                return m->usage == cr.record.usage && m->selector == cr.record.selector &&
                       m->matching_type == cr.record.matching_type &&
                       m->data_hex == cr.record.data_hex;
            });
            if (!also_new) {
                only_current.push_back(&cr.record);
            }
        }
        return make(in.host, check_status::ok,
                    message +
                        "; the TLSA records match both the current and the new "
                        "certificate: safe to deploy" +
                        (only_current.empty()
                             ? std::string()
                             : "; afterwards remove " + records_text(only_current) +
                                   ", which only the current one matches"));
    }
    const int others = v.usable - static_cast<int>(matches.size());
    if (others > 0) {
        message += "; " + std::to_string(others) +
                   " other usable record(s) do not match it (probably the current certificate: "
                   "remove them once the new one is deployed)";
    } else {
        message += "; every usable record matches it";
    }
    return make(in.host, check_status::ok, message);
}

} // namespace

probe::session_result candidate_session(const std::string& host,
                                        const std::vector<probe::cert_info>& chain, bool name_ok) {
    probe::session_result s;
    s.host = host;
    s.starttls_offered = s.starttls_accepted = true;
    probe::tls_session tls;
    tls.chain = chain;
    s.tls = std::move(tls);
    probe::chain_verdict verdict;
    verdict.hostname_match = name_ok;
    s.certificate = verdict;
    return s;
}

check check_dane_rollover(const dane_rollover_input& in,
                          std::chrono::system_clock::time_point now) {
    if (in.candidate.empty()) {
        return make(in.host, check_status::fail, "no certificate to match");
    }
    dane_options options;
    options.addresses_secure = in.addresses_secure;
    const dane_verdict v = evaluate_dane(
        in.lookup, candidate_session(in.host, in.candidate, in.candidate_name_ok), now, options);
    const std::string& name = in.lookup.name;
    switch (v.status) {
    case dane_status::not_looked_up:
        return make(in.host, check_status::unknown, "TLSA was not looked up");
    case dane_status::lookup_failed:
        return make(in.host, check_status::unknown, "could not check: " + v.detail);
    case dane_status::insecure_addresses:
        return make(in.host, check_status::ok,
                    "the address records of " + in.host +
                        " are not DNSSEC-secure, so DANE does not apply to it");
    case dane_status::insecure:
        return make(in.host, check_status::ok,
                    "the TLSA records at " + name +
                        " are not DNSSEC-secure: DANE senders ignore them");
    case dane_status::no_records:
        return make(in.host, check_status::ok, "no TLSA records at " + name + ": no DANE");
    case dane_status::dnssec_invalid:
        return make(in.host, check_status::fail,
                    "the TLSA lookup for " + name +
                        " fails DNSSEC validation (SERVFAIL): DANE senders defer mail to " +
                        in.host + " whatever certificate it presents");
    case dane_status::applies:
        break;
    }
    if (v.usable == 0) {
        check c = make(in.host, check_status::warn,
                       "none of the TLSA records at " + name +
                           " is usable: DANE senders encrypt but cannot authenticate");
        c.publish = publish_for(in);
        c.message += "; " + publish_text(*c.publish);
        return c;
    }
    if (v.authenticated) {
        return judge_match(in, v, now);
    }
    check c = make(in.host, check_status::fail, "");
    c.publish = publish_for(in);
    if (v.matched) {
        c.message = v.detail + "; " + publish_text(*c.publish);
    } else {
        c.message = "no usable TLSA record at " + name + " (" + std::to_string(v.usable) +
                    " usable) matches the new chain, so DANE senders would stop delivering: " +
                    publish_text(*c.publish);
    }
    return c;
}

} // namespace policy
