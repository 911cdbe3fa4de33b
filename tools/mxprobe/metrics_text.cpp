#include "tools/mxprobe/metrics_text.hpp"

#include <cstdio>
#include <sstream>

namespace mxprobe {

namespace {

class writer {
  public:
    void family(const char* name, const char* type, const char* help) {
        out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    }
    void sample(const char* name, const std::vector<std::pair<const char*, std::string>>& labels,
                double value) {
        out_ << name;
        if (!labels.empty()) {
            out_ << "{";
            bool first = true;
            for (const auto& [k, v] : labels) {
                out_ << (first ? "" : ",") << k << "=\"" << metric_label_value(v) << "\"";
                first = false;
            }
            out_ << "}";
        }
        char number[64];
        (void)std::snprintf(number, sizeof number, "%.17g", value);
        out_ << " " << number << "\n";
    }
    std::string text() const { return out_.str(); }

  private:
    std::ostringstream out_;
};

int verdict_number(const std::string& v) {
    if (v == "ok") {
        return 0;
    }
    if (v == "warning") {
        return 1;
    }
    if (v == "critical") {
        return 2;
    }
    return 3;
}

using labels = std::vector<std::pair<const char*, std::string>>;

labels mx_labels(const policy::domain_facts_summary& d, const policy::mx_facts& m) {
    return {{"domain", d.domain}, {"mx", m.host}, {"ip", m.ip}};
}

} // namespace

std::string metric_label_value(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string metrics_text(const metrics_snapshot& s) {
    writer w;
    w.family("mxprobe_certificate_expiry_timestamp_seconds", "gauge",
             "notAfter of the certificate each MX address presented, as Unix time");
    for (const auto& d : s.domains) {
        for (const auto& m : d.mx) {
            if (m.cert_not_after) {
                w.sample("mxprobe_certificate_expiry_timestamp_seconds", mx_labels(d, m),
                         static_cast<double>(*m.cert_not_after));
            }
        }
    }
    w.family("mxprobe_mta_sts_certificate_expiry_timestamp_seconds", "gauge",
             "notAfter of the mta-sts. policy host's certificate, as Unix time");
    for (const auto& d : s.domains) {
        if (d.sts_cert_not_after) {
            w.sample("mxprobe_mta_sts_certificate_expiry_timestamp_seconds", {{"domain", d.domain}},
                     static_cast<double>(*d.sts_cert_not_after));
        }
    }
    // A family's samples must stand together, so each walks the hosts on its own.
    w.family("mxprobe_probe_success", "gauge",
             "1 when the last probe of the MX address completed a TLS session, else 0");
    for (const auto& d : s.domains) {
        for (const auto& m : d.mx) {
            w.sample("mxprobe_probe_success", mx_labels(d, m), m.checked && m.tls ? 1 : 0);
        }
    }
    w.family("mxprobe_starttls_offered", "gauge", "1 when the MX address offered STARTTLS");
    for (const auto& d : s.domains) {
        for (const auto& m : d.mx) {
            w.sample("mxprobe_starttls_offered", mx_labels(d, m), m.starttls_offered ? 1 : 0);
        }
    }
    w.family("mxprobe_tls_version_supported", "gauge",
             "1 for each TLS version the MX address accepts (enumerated, or the negotiated one)");
    for (const auto& d : s.domains) {
        for (const auto& m : d.mx) {
            auto l = mx_labels(d, m);
            if (!m.versions.empty()) {
                for (const auto& [version, ok] : m.versions) {
                    auto with = l;
                    with.emplace_back("version", version);
                    w.sample("mxprobe_tls_version_supported", with, ok ? 1 : 0);
                }
            } else if (m.tls) {
                l.emplace_back("version", m.version);
                w.sample("mxprobe_tls_version_supported", l, 1);
            }
        }
    }
    w.family("mxprobe_dane_valid", "gauge",
             "for MX addresses where DANE applies: 1 when the TLSA records authenticate it");
    for (const auto& d : s.domains) {
        for (const auto& m : d.mx) {
            if (m.policy == "dane") {
                w.sample("mxprobe_dane_valid", mx_labels(d, m),
                         m.dane_authenticated && m.dane_result_types.empty() ? 1 : 0);
            }
        }
    }
    w.family("mxprobe_mta_sts_mode", "gauge",
             "1 for the domain's MTA-STS mode in force (none when it has no usable policy)");
    for (const auto& d : s.domains) {
        w.sample("mxprobe_mta_sts_mode",
                 {{"domain", d.domain}, {"mode", d.sts_mode.value_or("none")}}, 1);
    }
    w.family("mxprobe_domain_verdict", "gauge",
             "the domain's verdict: 0 ok, 1 warning, 2 critical, 3 unknown");
    for (const auto& d : s.domains) {
        w.sample("mxprobe_domain_verdict", {{"domain", d.domain}, {"role", d.role}},
                 verdict_number(d.verdict));
    }
    w.family("mxprobe_tlsrpt_sessions_total", "counter",
             "sessions in the TLS-RPT reports received, by policy domain and result");
    for (const auto& [key, n] : s.tlsrpt.sessions) {
        w.sample("mxprobe_tlsrpt_sessions_total",
                 {{"policy_domain", key.first}, {"result", key.second}}, static_cast<double>(n));
    }
    w.family("mxprobe_tlsrpt_failures_total", "counter",
             "failed sessions in the TLS-RPT reports received, by receiving MX and result type");
    for (const auto& [key, n] : s.tlsrpt.failures) {
        w.sample("mxprobe_tlsrpt_failures_total",
                 {{"receiving_mx", key.first}, {"result_type", key.second}},
                 static_cast<double>(n));
    }
    w.family("mxprobe_tlsrpt_reports_total", "counter", "TLS-RPT reports received (each once)");
    w.sample("mxprobe_tlsrpt_reports_total", {}, static_cast<double>(s.tlsrpt.reports));
    struct group_metric {
        const char* name;
        const char* type;
        const char* help;
        double (*value)(const group_scan_stats&);
    };
    static const group_metric group_metrics[] = {
        {"mxprobe_scans_total", "counter", "completed scans, by schedule group",
         [](const group_scan_stats& g) { return static_cast<double>(g.scans); }},
        {"mxprobe_scanned_domains_total", "counter", "domains scanned, by schedule group",
         [](const group_scan_stats& g) { return static_cast<double>(g.domains); }},
        {"mxprobe_scan_duration_seconds", "gauge", "how long the group's last scan took",
         [](const group_scan_stats& g) { return g.last_duration_seconds; }},
        {"mxprobe_last_scan_timestamp_seconds", "gauge",
         "when the group's last scan finished, as Unix time",
         [](const group_scan_stats& g) { return static_cast<double>(g.last_finished); }},
    };
    for (const auto& metric : group_metrics) {
        w.family(metric.name, metric.type, metric.help);
        for (const auto& [group, g] : s.groups) {
            w.sample(metric.name, {{"group", group}}, metric.value(g));
        }
    }
    w.family("mxprobe_alerts_open", "gauge", "open alerts, by severity");
    for (const char* severity : {"critical", "warning", "info"}) {
        const auto it = s.open_alerts.find(severity);
        w.sample("mxprobe_alerts_open", {{"severity", severity}},
                 it == s.open_alerts.end() ? 0 : static_cast<double>(it->second));
    }
    return w.text();
}

} // namespace mxprobe
