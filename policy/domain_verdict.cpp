#include "policy/domain_verdict.hpp"

#include "policy/tlsa_lookup_mapping.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

using resolver::dns_status;

void add(std::vector<finding>& out, std::string code, severity level, std::string message) {
    out.push_back({std::move(code), level, std::move(message)});
}

bool has_address(const resolver::mx_host_lookup& h) {
    return !h.ipv4.records.empty() || !h.ipv6.records.empty();
}

mail_route classify_route(const resolver::mail_lookup& route) {
    switch (route.mx.status) {
    case dns_status::noerror:
        if (route.null_mx) {
            return mail_route::null_mx;
        }
        return std::any_of(route.hosts.begin(), route.hosts.end(), has_address)
                   ? mail_route::mx
                   : mail_route::no_address;
    case dns_status::nodata:
        return route.implicit_mx ? mail_route::implicit_mx : mail_route::no_address;
    case dns_status::nxdomain:
        return mail_route::nxdomain;
    default:
        return mail_route::dns_failure;
    }
}

void route_findings(const resolver::mail_lookup& route, mail_route r, std::vector<finding>& out) {
    switch (r) {
    case mail_route::nxdomain:
        add(out, "domain-not-found", severity::critical,
            route.domain + " does not exist (NXDOMAIN): mail to it bounces");
        break;
    case mail_route::no_address:
        add(out, "no-mail-host-address", severity::critical,
            "no MX host of " + route.domain + " has an A or AAAA record: mail cannot be delivered");
        break;
    case mail_route::dns_failure:
        add(out, "dns-failure", severity::unknown,
            "the MX lookup failed (" + std::string(resolver::to_string(route.mx.status)) +
                (route.mx.detail.empty() ? "" : ": " + route.mx.detail) +
                "): senders retry later (RFC 5321 §5.1)");
        break;
    case mail_route::null_mx:
        add(out, "null-mx", severity::ok,
            route.domain + " publishes a null MX (RFC 7505): it accepts no mail");
        break;
    case mail_route::implicit_mx:
        add(out, "implicit-mx", severity::ok,
            "no MX records: senders use the domain's own address (RFC 5321 §5.1)");
        break;
    case mail_route::mx:
        break;
    }
    if (route.null_mx_mixed) {
        add(out, "null-mx-mixed", severity::warning,
            "a null MX ('.') is published beside other MX records (RFC 7505 §3 forbids it)");
    }
}

const resolver::mx_host_lookup* route_host(const resolver::mail_lookup& route,
                                           const std::string& host) {
    for (const auto& h : route.hosts) {
        if (h.host == host) {
            return &h;
        }
    }
    return nullptr;
}

bool is_v6(const std::string& ip) {
    return ip.find(':') != std::string::npos;
}

// An opportunistic sender (no DANE, no MTA-STS) checks no certificate: it notices only a
// missing STARTTLS and a TLS session that does not come up (STANDARDS §7 rows 1-4, NOTE-4).
std::vector<std::string> opportunistic_types(const host_verdict& v) {
    std::vector<std::string> out;
    for (const auto& t : v.result_types) {
        if (t == "starttls-not-supported" || t == "validation-failure") {
            out.push_back(t);
        }
    }
    return out;
}

host_evaluation evaluate_probe(const probe::mx_address_probe& p, const resolver::mail_lookup& route,
                               const std::optional<sts_evaluation>& sts,
                               std::chrono::system_clock::time_point now,
                               const domain_options& options) {
    host_evaluation e;
    e.host = p.host;
    e.ip = p.ip;
    e.preference = p.preference;
    e.probe = p.result;
    const probe::host_probe_result& r = *p.result;
    e.verdict = evaluate_host(r.session, now, options.thresholds);
    if (r.enumeration) {
        judge_enumeration(*r.enumeration, e.verdict);
    }
    if (r.rate_limited) {
        e.verdict.findings.push_back(
            {"rate-limited", severity::unknown,
             "the server answered '" + r.session.error + "' on all " + std::to_string(r.attempts) +
                 " attempts: rate-limited or temporarily unavailable, not a TLS verdict"});
        e.verdict.overall = worst(e.verdict.findings);
    }
    dane_options dane;
    dane.required = options.require_dane;
    tlsa_lookup lookup;
    if (const auto* h = route_host(route, p.host)) {
        lookup = to_tlsa_lookup(h->tlsa);
        dane.addresses_secure = is_v6(p.ip) ? h->ipv6.authenticated : h->ipv4.authenticated;
    }
    e.dane = evaluate_dane(lookup, r.session, now, dane);
    apply_dane(e.dane, e.verdict);

    if (e.dane.decides()) {
        e.policy = "dane";
        e.reportable_result_types = e.verdict.effective_result_types;
    } else if (sts && sts->applied) {
        e.policy = "sts";
        for (const auto& m : sts->mx) {
            if (m.host == p.host && m.ip == p.ip) {
                e.sts = m;
                if (!m.result_type.empty()) {
                    e.reportable_result_types.push_back(m.result_type);
                }
            }
        }
    } else {
        e.reportable_result_types = opportunistic_types(e.verdict);
    }
    return e;
}

void sts_findings(const sts_outcome& sts, const std::optional<sts_evaluation>& eval,
                  std::vector<finding>& out) {
    if (sts.result_type) {
        add(out, *sts.result_type, severity::warning,
            "MTA-STS is published but " + sts.error +
                "; senders deliver as if there were no policy and report " + *sts.result_type);
    } else if (!sts.error.empty()) {
        add(out, "mta-sts-record-invalid", severity::warning, sts.error);
    }
    if (!eval || !eval->applied) {
        return;
    }
    const bool enforce = eval->mode == sts_mode::enforce;
    for (const auto& m : eval->mx) {
        if (!m.checked || m.compliant) {
            continue;
        }
        const severity level =
            enforce && !eval->deliverable ? severity::critical : severity::warning;
        add(out, "mta-sts-mx-fails", level,
            m.host + " [" + m.ip + "] fails the " + std::string(enforce ? "enforce" : "testing") +
                " policy: " + m.result_type + (m.reason.empty() ? "" : " (" + m.reason + ")") +
                (enforce ? "; enforcing senders skip it" : "; reported, still delivered"));
    }
    if (enforce && !eval->deliverable && eval->compliant == 0 && eval->failing > 0) {
        add(out, "mta-sts-undeliverable", severity::critical,
            "no MX host passes the enforce policy: senders that honour MTA-STS cannot deliver");
    }
}

void tlsrpt_findings(const domain_verdict& v, std::vector<finding>& out) {
    if (v.tlsrpt_published && !v.tlsrpt.valid) {
        add(out, "tlsrpt-record-invalid", severity::warning,
            "the _smtp._tls record is not usable: " + v.tlsrpt.error);
    }
}

void sorted_union(std::vector<std::string>& into, const std::vector<std::string>& more) {
    std::set<std::string> all(into.begin(), into.end());
    all.insert(more.begin(), more.end());
    into.assign(all.begin(), all.end());
}

} // namespace

std::string_view to_string(mail_route r) {
    switch (r) {
    case mail_route::mx:
        return "mx";
    case mail_route::implicit_mx:
        return "implicit-mx";
    case mail_route::null_mx:
        return "null-mx";
    case mail_route::nxdomain:
        return "nxdomain";
    case mail_route::no_address:
        return "no-address";
    case mail_route::dns_failure:
        return "dns-failure";
    }
    return "dns-failure";
}

domain_verdict evaluate_domain(const probe::domain_facts& facts,
                               std::chrono::system_clock::time_point now,
                               const domain_options& options) {
    domain_verdict v;
    const auto& route = facts.route;
    v.route = classify_route(route);
    route_findings(route, v.route, v.findings);

    v.sts = judge_sts_discovery(route.domain, route.mta_sts_txt, facts.sts_fetch);
    std::vector<std::string> tlsrpt_texts;
    for (const auto& r : route.tlsrpt_txt.records) {
        tlsrpt_texts.push_back(r.text);
        v.tlsrpt_published = v.tlsrpt_published || is_tlsrpt_record(r.text);
    }
    v.tlsrpt = select_tlsrpt_txt(tlsrpt_texts);

    if (v.sts.has_policy()) {
        std::vector<sts_mx_observation> observations;
        for (const auto& p : facts.probes) {
            if (p.result) {
                observations.push_back(observe_for_sts(p.result->session));
            }
        }
        v.sts_check = evaluate_sts(*v.sts.policy, observations);
    }
    for (const auto& p : facts.probes) {
        if (p.result) {
            v.hosts.push_back(evaluate_probe(p, route, v.sts_check, now, options));
        }
    }
    sts_findings(v.sts, v.sts_check, v.findings);
    tlsrpt_findings(v, v.findings);

    // A host the probe could not check is not a verdict on the domain while others were
    // checked; when none could be, the domain as a whole is unknown.
    std::vector<std::string> unchecked;
    severity hosts_worst = severity::ok;
    for (const auto& h : v.hosts) {
        if (h.verdict.overall == severity::unknown) {
            unchecked.push_back(h.host + " [" + h.ip + "]");
        } else {
            hosts_worst = worst({{"", hosts_worst, ""}, {"", h.verdict.overall, ""}});
        }
        sorted_union(v.result_types, h.verdict.effective_result_types);
        sorted_union(v.reportable_result_types, h.reportable_result_types);
        if (h.sts && !h.sts->result_type.empty()) {
            sorted_union(v.result_types, {h.sts->result_type});
        }
    }
    if (v.sts.result_type) {
        sorted_union(v.result_types, {*v.sts.result_type});
        sorted_union(v.reportable_result_types, {*v.sts.result_type});
    }
    if (!unchecked.empty() && unchecked.size() < v.hosts.size()) {
        std::string list;
        for (const auto& u : unchecked) {
            list += (list.empty() ? "" : ", ") + u;
        }
        add(v.findings, "mx-not-checked", severity::warning, "could not check " + list);
    } else if (!v.hosts.empty() && unchecked.size() == v.hosts.size()) {
        add(v.findings, "no-mx-checked", severity::unknown,
            "no MX host could be checked (connection refused, timed out or rate-limited)");
    }
    v.overall = worst(v.findings);
    v.overall = worst({{"", v.overall, ""}, {"", hosts_worst, ""}});
    return v;
}

void to_json(nlohmann::json& j, mail_route r) {
    j = std::string(to_string(r));
}

} // namespace policy
