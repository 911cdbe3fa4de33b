#include "tools/mxprobe/host_report.hpp"

#include "policy/text_join.hpp"
#include "policy/time_text.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <algorithm>
#include <sstream>

namespace mxprobe {

namespace {

using policy::join;

using nlohmann::json;

json certificate_json(const host_report& r) {
    const auto& p = r.probe;
    if (!p.tls || !p.certificate || p.tls->chain.empty()) {
        return nullptr;
    }
    const auto& v = *p.certificate;
    json chain = json::array();
    for (const auto& c : p.tls->chain) {
        json item = c;
        item["not_before"] = iso8601(c.not_before);
        item["not_after"] = iso8601(c.not_after);
        chain.push_back(std::move(item));
    }
    const auto& times = r.verdict.times;
    json out{{"trusted", v.trusted},
             {"verify_error", v.trusted ? json() : json(v.verify_error)},
             {"verify_errors", json(v)["verify_errors"]},
             {"hostname_match", v.hostname_match},
             {"expired", times && times->expired},
             {"not_yet_valid", times && times->not_yet_valid},
             {"days_left", times ? times->days_left : 0},
             {"self_signed", p.tls->chain.front().self_signed},
             {"chain_complete", v.chain_complete},
             {"missing_intermediate", v.missing_intermediate},
             {"untrusted_root", v.untrusted_root},
             {"chain_in_order", v.chain_in_order},
             {"weak_key", r.verdict.weak_key},
             {"sha1_signature", r.verdict.sha1_signature},
             {"chain", std::move(chain)}};
    if (p.tls->chain_presented > p.tls->chain.size()) {
        out["chain_presented"] = p.tls->chain_presented; // says that chain was cut
    }
    return out;
}

void text_certificate(std::ostringstream& out, const host_report& r) {
    const auto& p = r.probe;
    if (!p.tls || !p.certificate || p.tls->chain.empty()) {
        return;
    }
    const auto& leaf = p.tls->chain.front();
    const auto& v = *p.certificate;
    out << "  cert      " << leaf.subject << "  (" << leaf.key_type << " " << leaf.key_bits << ", "
        << leaf.signature_algorithm << ")\n";
    out << "            issuer " << leaf.issuer << "\n";
    out << "            names  "
        << (leaf.san_dns.empty() ? "(no DNS names)" : join(leaf.san_dns, ", "));
    if (leaf.san_dns_total > leaf.san_dns.size()) {
        out << " (the first " << leaf.san_dns.size() << " of " << leaf.san_dns_total << ")";
    }
    out << "\n";
    std::string trust = v.trusted ? "trusted" : "NOT trusted: " + v.verify_error;
    if (v.missing_intermediate) {
        trust += " (intermediate missing)";
    }
    out << "            " << trust << "; name " << (v.hostname_match ? "matches" : "does NOT match")
        << "; chain of " << std::max(p.tls->chain.size(), p.tls->chain_presented)
        << (v.chain_complete ? "" : ", incomplete") << "\n";
    if (r.verdict.times) {
        out << "            valid until " << iso8601(leaf.not_after) << " ("
            << r.verdict.times->days_left << " days left)\n";
    }
}

// One line: what the TLSA lookup said and, when DANE applies, what matched.
void text_dane(std::ostringstream& out, const policy::dane_verdict& d) {
    out << "  DANE      " << to_string(d.status);
    if (d.status == policy::dane_status::applies) {
        out << ", " << d.records.size() << " TLSA record(s), " << d.usable << " usable";
        for (const auto& r : d.records) {
            if (r.matched) {
                out << ", matched " << int(r.record.usage) << " " << int(r.record.selector) << " "
                    << int(r.record.matching_type) << " at depth " << r.matched_depth;
                break;
            }
        }
        out << (d.authenticated ? ": authenticated" : ": NOT authenticated");
    }
    out << " (" << d.detail << ")\n";
}

} // namespace

std::string iso8601(std::int64_t epoch_seconds) {
    return policy::iso8601_utc(epoch_seconds);
}

nlohmann::json host_to_json(const host_report& r) {
    const auto& p = r.probe;
    json tls = nullptr;
    if (p.tls) {
        tls = *p.tls;
    }
    json out{{"schema", host_schema_id},
             {"host", p.host},
             {"ip", p.ip},
             {"port", p.port},
             {"banner", p.banner.empty()
                            ? json()
                            : json(std::to_string(p.banner_code) + " " + join(p.banner, " / "))},
             {"ehlo", p.ehlo},
             {"starttls",
              {{"offered", p.starttls_offered},
               {"ok", p.starttls_accepted && p.tls.has_value()},
               {"reply", p.starttls_reply.empty() ? json() : json(p.starttls_reply)}}},
             {"ehlo_after_tls", p.ehlo_after_tls},
             {"tls", std::move(tls)},
             {"certificate", certificate_json(r)},
             {"result_types", r.verdict.result_types},
             {"effective_result_types", r.verdict.effective_result_types},
             {"effective_policy", r.verdict.effective_policy},
             {"dane", r.dane},
             {"findings", r.verdict.findings},
             {"verdict", to_string(r.verdict.overall)},
             {"status", to_string(p.outcome)},
             {"error", p.outcome == probe::status::success
                           ? json()
                           : json{{"phase", to_string(p.failed_phase)}, {"message", p.error}}},
             {"elapsed_ms", p.elapsed.count()}};
    if (r.enumeration) {
        const auto& e = *r.enumeration;
        out["versions"] = e.versions;
        out["ciphers"] = e.ciphers;
        out["cipher_order"] = e.cipher_order;
        out["groups"] = e.groups;
        out["anonymous_suites"] = e.anonymous_accepted;
        if (e.dhe_min_bits > 0) {
            out["dhe_group_bits"] = e.dhe_min_bits;
        }
        out["connections"] = e.connections + 1; // the enumeration's plus the main probe's
        if (!e.notes.empty()) {
            out["enumeration_notes"] = e.notes;
        }
    }
    return out;
}

std::string host_to_text(const host_report& r, bool colour) {
    const auto& p = r.probe;
    const text_style style(colour);
    std::ostringstream out;
    out << p.host << " [" << p.ip << "]:" << p.port << "  " << style.verdict(r.verdict.overall)
        << "\n";
    if (!p.banner.empty()) {
        out << "  banner    " << p.banner_code << " " << p.banner.front() << "\n";
    }
    out << "  STARTTLS  "
        << (p.starttls_offered ? (p.starttls_accepted ? "offered, accepted"
                                                      : "offered, refused: " + p.starttls_reply)
                               : "not offered")
        << "\n";
    if (p.tls) {
        out << "  TLS       " << p.tls->version << "  " << p.tls->cipher;
        if (!p.tls->group.empty()) {
            out << "  " << p.tls->group;
        }
        out << (p.tls->forward_secrecy ? "  forward secrecy" : "  NO forward secrecy") << "\n";
    }
    text_certificate(out, r);
    if (r.enumeration) {
        const auto& e = *r.enumeration;
        std::vector<std::string> accepted;
        for (const auto& [version, ok] : e.versions) {
            if (ok) {
                accepted.push_back(version + " (" + std::to_string(e.ciphers.at(version).size()) +
                                   " suites, " + e.cipher_order.at(version) + " order)");
            }
        }
        out << "  versions  " << (accepted.empty() ? "none" : join(accepted, ", ")) << "\n";
        out << "  groups    " << (e.groups.empty() ? "none" : join(e.groups, ", ")) << "\n";
        if (e.dhe_min_bits > 0) {
            out << "  DHE       " << e.dhe_min_bits << "-bit group\n";
        }
        if (e.anonymous_accepted) {
            out << "  note      anonymous (aNULL) suites accepted\n";
        }
        out << "  probing   " << e.connections + 1 << " connections\n";
    }
    text_dane(out, r.dane);
    if (r.verdict.effective_policy == "dane") {
        // Both views: a DANE sender's, which decides, and a WebPKI-only sender's.
        out << "  RFC 8460  "
            << (r.verdict.effective_result_types.empty()
                    ? "none (a DANE sender would succeed)"
                    : join(r.verdict.effective_result_types, ", "))
            << "; WebPKI alone: "
            << (r.verdict.result_types.empty() ? "none" : join(r.verdict.result_types, ", "))
            << "\n";
    } else {
        out << "  RFC 8460  "
            << (r.verdict.result_types.empty() ? "none (a validating sender would succeed)"
                                               : join(r.verdict.result_types, ", "))
            << "\n";
    }
    for (const auto& f : r.verdict.findings) {
        out << "  " << style.severity_word(f.level) << "  " << f.code << ": " << f.message << "\n";
    }
    return out.str();
}

exit_status host_exit_status(const host_report& r) {
    switch (r.verdict.overall) {
    case policy::severity::ok:
        return exit_status::ok;
    case policy::severity::warning:
        return exit_status::warning;
    case policy::severity::critical:
        return exit_status::critical;
    case policy::severity::unknown:
        return exit_status::unknown;
    }
    return exit_status::unknown;
}

} // namespace mxprobe
