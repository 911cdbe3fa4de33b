#include "tools/mxprobe/domain_report.hpp"

#include "policy/text_join.hpp"
#include "tools/mxprobe/host_report.hpp"
#include "tools/mxprobe/resolve_render.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <algorithm>
#include <sstream>

namespace mxprobe {

namespace {

using policy::join;

using nlohmann::json;

host_report as_host_report(const policy::host_evaluation& h) {
    host_report r;
    r.probe = h.probe->session;
    r.enumeration = h.probe->enumeration;
    r.verdict = h.verdict;
    r.dane = h.dane;
    return r;
}

// The scan's view of one MX address around the host document `mxprobe host` prints for it.
json host_json(const policy::host_evaluation& h) {
    json j{{"host", h.host},
           {"ip", h.ip},
           {"preference", h.preference},
           {"verdict", policy::to_string(h.verdict.overall)},
           {"policy", h.policy},
           {"reportable_result_types", h.reportable_result_types},
           {"mta_sts", h.sts ? json(*h.sts) : json(nullptr)},
           {"attempts", h.probe->attempts},
           {"rate_limited", h.probe->rate_limited},
           {"retried_after", h.probe->retried_after},
           {"queued_ms", h.probe->queued.count()},
           {"slow", h.probe->slow},
           {"probe", host_to_json(as_host_report(h))}};
    return j;
}

json dane_summary(const policy::domain_verdict& v) {
    int applies = 0;
    int authenticated = 0;
    int failing = 0;
    for (const auto& h : v.hosts) {
        if (h.dane.decides()) {
            ++applies;
            authenticated += h.dane.authenticated ? 1 : 0;
            failing += h.dane.result_types.empty() ? 0 : 1;
        }
    }
    const int n = static_cast<int>(v.hosts.size());
    const char* status = applies == 0 ? "none" : applies == n ? "all" : "partial";
    json types = json::array();
    for (const auto& h : v.hosts) {
        for (const auto& t : h.dane.result_types) {
            if (std::find(types.begin(), types.end(), t) == types.end()) {
                types.push_back(t);
            }
        }
    }
    return json{{"status", status},   {"hosts", n},
                {"applies", applies}, {"authenticated", authenticated},
                {"failing", failing}, {"result_types", std::move(types)}};
}

json tlsrpt_json(const policy::domain_verdict& v) {
    json j = v.tlsrpt;
    j["published"] = v.tlsrpt_published;
    return j;
}

// Lowest and highest negotiated version over the hosts, e.g. "TLSv1.2-TLSv1.3".
std::string version_span(const policy::domain_verdict& v) {
    std::vector<std::string> seen;
    for (const auto& h : v.hosts) {
        if (h.probe->session.tls) {
            seen.push_back(h.probe->session.tls->version);
        }
    }
    if (seen.empty()) {
        return "-";
    }
    std::sort(seen.begin(), seen.end()); // "TLSv1" < "TLSv1.1" < "TLSv1.2" < "TLSv1.3"
    return seen.front() == seen.back() ? seen.front() : seen.front() + "-" + seen.back();
}

std::string min_days_left(const policy::domain_verdict& v) {
    bool any = false;
    std::int64_t least = 0;
    for (const auto& h : v.hosts) {
        if (h.verdict.times) {
            least = any ? std::min(least, h.verdict.times->days_left) : h.verdict.times->days_left;
            any = true;
        }
    }
    return any ? std::to_string(least) : "-";
}

std::string sts_word(const policy::domain_verdict& v) {
    if (v.sts.has_policy()) {
        return std::string(policy::to_string(*v.sts.policy->mode));
    }
    if (v.sts.result_type) {
        return "broken";
    }
    return v.sts.error.empty() ? "-" : "invalid";
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
        return s;
    }
    std::string out = "\"";
    for (char c : s) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

} // namespace

json domain_to_json(const domain_report& r) {
    const auto& f = r.facts;
    const auto& v = r.verdict;
    const json dns = resolve_to_json(f.route);
    json hosts = json::array();
    for (const auto& h : v.hosts) {
        hosts.push_back(host_json(h));
    }
    json sts = v.sts;
    sts["evaluation"] = v.sts_check ? json(*v.sts_check) : json(nullptr);
    return json{{"schema", domain_schema_id},
                {"domain", f.route.domain.empty() ? f.domain : f.route.domain},
                {"name", r.meta.name.empty() ? f.domain : r.meta.name},
                {"role", r.meta.role},
                {"tags", r.meta.tags},
                {"route", v.route},
                {"null_mx", f.route.null_mx},
                {"implicit_mx", f.route.implicit_mx},
                {"mx_lookup", dns["mx_lookup"]},
                {"mx", dns["mx"]},
                {"hosts", std::move(hosts)},
                {"not_probed", f.not_probed},
                {"mta_sts", std::move(sts)},
                {"tlsrpt", tlsrpt_json(v)},
                {"dane", dane_summary(v)},
                {"result_types", v.result_types},
                {"reportable_result_types", v.reportable_result_types},
                {"findings", v.findings},
                {"verdict", policy::to_string(v.overall)},
                {"elapsed_ms", f.elapsed.count()}};
}

std::string domain_to_text(const domain_report& r, bool colour) {
    const auto& v = r.verdict;
    const text_style style(colour);
    std::ostringstream out;
    out << r.facts.route.domain << "  " << style.verdict(v.overall) << "  ("
        << policy::to_string(v.route) << ", " << v.hosts.size() << " MX address(es) probed)\n";
    for (const auto& h : v.hosts) {
        const auto& s = h.probe->session;
        out << "  " << h.preference << " " << h.host << " [" << h.ip << "]  "
            << style.verdict(h.verdict.overall) << "  ";
        if (s.tls) {
            out << s.tls->version << " " << s.tls->cipher;
            if (h.verdict.times) {
                out << ", cert " << h.verdict.times->days_left << " days";
            }
        } else {
            out << probe::to_string(s.outcome);
        }
        out << ", policy " << h.policy;
        if (!h.reportable_result_types.empty()) {
            out << ": " << join(h.reportable_result_types, ", ");
        }
        if (h.probe->rate_limited) {
            out << " (rate-limited after " << h.probe->attempts << " attempts)";
        }
        out << "\n";
    }
    out << "  MTA-STS   ";
    if (v.sts.has_policy()) {
        out << policy::to_string(*v.sts.policy->mode) << ", id " << v.sts.txt.id;
        if (v.sts_check) {
            out << ": " << v.sts_check->summary;
        }
    } else if (!v.sts.error.empty()) {
        out << v.sts.error;
    } else {
        out << "none";
    }
    out << "\n  TLS-RPT   "
        << (v.tlsrpt.valid ? join(v.tlsrpt.record.rua, ", ")
                           : (v.tlsrpt_published ? "invalid: " + v.tlsrpt.error : "none"))
        << "\n";
    const json dane = dane_summary(v);
    out << "  DANE      " << dane["status"].get<std::string>() << " (" << dane["applies"].get<int>()
        << " of " << v.hosts.size() << " MX addresses, " << dane["authenticated"].get<int>()
        << " authenticated)\n";
    out << "  RFC 8460  " << (v.result_types.empty() ? "none" : join(v.result_types, ", ")) << "\n";
    for (const auto& f : v.findings) {
        out << "  " << style.severity_word(f.level) << "  " << f.code << ": " << f.message << "\n";
    }
    for (const auto& h : v.hosts) {
        for (const auto& f : h.verdict.findings) {
            if (f.level != policy::severity::ok) {
                out << "  " << style.severity_word(f.level) << "  " << h.host << ": " << f.code
                    << ": " << f.message << "\n";
            }
        }
    }
    for (const auto& n : r.facts.not_probed) {
        out << "  skipped   " << n << "\n";
    }
    return out.str();
}

exit_status domain_exit_status(const domain_report& r) {
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

std::string domain_csv_header() {
    return "domain,name,role,tags,verdict,route,mx_host,preference,ip,status,starttls,"
           "tls_version,cipher,forward_secrecy,cert_trusted,hostname_match,cert_days_left,"
           "dane,policy,result_types,mta_sts,domain_result_types,error\n";
}

std::string domain_to_csv(const domain_report& r) {
    const auto& v = r.verdict;
    const std::string common = csv_field(r.facts.route.domain) + "," + csv_field(r.meta.name) +
                               "," + r.meta.role + "," + csv_field(join(r.meta.tags, " ")) + "," +
                               std::string(policy::to_string(v.overall)) + "," +
                               std::string(policy::to_string(v.route)) + ",";
    const std::string tail = "," + sts_word(v) + "," + csv_field(join(v.result_types, " "));
    if (v.hosts.empty()) {
        std::string why = v.findings.empty() ? "" : v.findings.front().message;
        return common + ",,,,,,,,,,,,," + tail + "," + csv_field(why) + "\n";
    }
    std::string out;
    for (const auto& h : v.hosts) {
        const auto& s = h.probe->session;
        out += common;
        out += csv_field(h.host) + "," + std::to_string(h.preference) + "," + h.ip + "," +
               std::string(probe::to_string(s.outcome)) + "," +
               (s.starttls_accepted  ? "yes"
                : s.starttls_offered ? "refused"
                                     : "no") +
               "," + (s.tls ? s.tls->version : "") + "," + (s.tls ? s.tls->cipher : "") + "," +
               (s.tls ? (s.tls->forward_secrecy ? "yes" : "no") : "") + "," +
               (s.certificate ? (s.certificate->trusted ? "yes" : "no") : "") + "," +
               (s.certificate ? (s.certificate->hostname_match ? "yes" : "no") : "") + "," +
               (h.verdict.times ? std::to_string(h.verdict.times->days_left) : "") + "," +
               std::string(policy::to_string(h.dane.status)) + "," + h.policy + "," +
               csv_field(join(h.reportable_result_types, " "));
        out += tail;
        out += "," + csv_field(s.outcome == probe::status::success ? "" : s.error) + "\n";
    }
    return out;
}

std::string domain_table_header() {
    char line[160];
    (void)std::snprintf(line, sizeof line, "%-32s %-8s %3s %-15s %5s %-8s %-7s %s\n", "DOMAIN",
                        "VERDICT", "MX", "TLS", "CERT", "MTA-STS", "DANE", "RFC 8460 RESULT TYPES");
    return line;
}

std::string domain_table_row(const domain_report& r, bool colour) {
    const auto& v = r.verdict;
    const text_style style(colour);
    const json dane = dane_summary(v);
    std::string domain = r.facts.route.domain.empty() ? r.facts.domain : r.facts.route.domain;
    if (domain.size() > 32) {
        domain = domain.substr(0, 31) + "~";
    }
    char head[80];
    (void)std::snprintf(head, sizeof head, "%-32s ", domain.c_str());
    char tail[160];
    (void)std::snprintf(tail, sizeof tail, " %3zu %-15s %5s %-8s %-7s ", v.hosts.size(),
                        version_span(v).c_str(), min_days_left(v).c_str(), sts_word(v).c_str(),
                        dane["status"].get<std::string>().c_str());
    std::string types = v.result_types.empty() ? "-" : join(v.result_types, ",");
    return std::string(head) + style.padded_verdict(v.overall, 8) + tail + types + "\n";
}

} // namespace mxprobe
