#include "tools/mxprobe/matrix_render.hpp"

#include "policy/text_join.hpp"
#include "policy/time_text.hpp"
#include "tools/mxprobe/text_style.hpp"

#include <cstdio>
#include <sstream>

namespace mxprobe {

namespace {

using policy::join;

using nlohmann::json;

std::string percent(double share) {
    char text[16];
    (void)std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
    return text;
}

json row_json(const matrix_row& r) {
    json expiry = json::array();
    for (const auto& e : r.expiry) {
        expiry.push_back({{"what", e.what},
                          {"host", e.host},
                          {"at", policy::iso8601_utc(e.at)},
                          {"days_left", e.days_left}});
    }
    json inbound = nullptr;
    if (r.inbound) {
        inbound = *r.inbound;
    }
    return json{
        {"domain", r.facts.domain},
        {"name", r.facts.name},
        {"role", r.facts.role},
        {"tags", r.facts.tags},
        {"verdict", r.facts.verdict},
        {"route", r.facts.route},
        {"encryption", policy::to_string(r.encryption)},
        {"result_types", r.facts.result_types},
        {"mta_sts",
         {{"mode", r.facts.sts_mode ? json(*r.facts.sts_mode) : json(nullptr)},
          {"id", r.facts.sts_id},
          {"result_type", r.facts.sts_result_type ? json(*r.facts.sts_result_type) : json(nullptr)},
          {"error", r.facts.sts_error}}},
        {"outbound", r.outbound},
        {"inbound", std::move(inbound)},
        {"expiry", std::move(expiry)}};
}

// Human words for the state columns.
policy::severity state_severity(policy::compatibility c) {
    switch (c) {
    case policy::compatibility::compatible:
    case policy::compatibility::no_mail:
        return policy::severity::ok;
    case policy::compatibility::partial:
        return policy::severity::warning;
    case policy::compatibility::incompatible:
        return policy::severity::critical;
    case policy::compatibility::unknown:
        return policy::severity::unknown;
    }
    return policy::severity::unknown;
}

std::string versions_text(const policy::outbound_verdict& o) {
    std::string weakest, strongest;
    for (const auto& m : o.mx) {
        if (!m.strongest_version.empty() &&
            (strongest.empty() || m.strongest_version > strongest)) {
            strongest = m.strongest_version;
        }
        if (!m.weakest_version.empty() && (weakest.empty() || m.weakest_version < weakest)) {
            weakest = m.weakest_version;
        }
    }
    if (strongest.empty()) {
        return "-";
    }
    return weakest == strongest ? strongest : weakest + "-" + strongest.substr(4);
}

std::string inbound_cell(const matrix_row& r) {
    if (!r.inbound || r.inbound->sessions() == 0) {
        return r.facts.role == "own" ? "no reports" : "";
    }
    return percent(r.inbound->failure_rate()) + " of " +
           policy::with_separators(r.inbound->sessions());
}

std::string cut(std::string s, std::size_t width) {
    if (s.size() > width) {
        s = s.substr(0, width - 1) + "~";
    }
    return s;
}

// Word-wraps `text` to 100 columns: the first line after `lead`, the rest indented.
std::string wrapped(const std::string& lead, const std::string& text) {
    constexpr std::size_t width = 100;
    const std::string indent(6, ' ');
    std::string out = lead;
    std::size_t column = lead.size();
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = text.find(' ', i);
        if (end == std::string::npos) {
            end = text.size();
        }
        const std::string word = text.substr(i, end - i);
        if (column + word.size() + 1 > width && column > indent.size()) {
            out += "\n" + indent;
            column = indent.size();
        } else if (column != lead.size() && column != indent.size()) {
            out += " ";
            ++column;
        }
        out += word;
        column += word.size();
        i = end + 1;
    }
    return out + "\n";
}

std::string pad(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

} // namespace

json matrix_to_json(const matrix& m) {
    json rows = json::array();
    for (const auto& r : m.rows) {
        rows.push_back(row_json(r));
    }
    json errors = json::array();
    for (const auto& [file, message] : m.reports.errors) {
        errors.push_back({{"file", file}, {"error", message}});
    }
    return json{{"schema", matrix_schema_id},
                {"generated", m.generated},
                {"requirements", m.requirements},
                {"what_if", m.what_if ? json(*m.what_if) : json(nullptr)},
                {"coverage", m.coverage},
                {"reports",
                 {{"files", m.reports.files},
                  {"reports", m.reports.reports},
                  {"duplicates", m.reports.duplicates},
                  {"errors", std::move(errors)},
                  {"other_domains", m.reports.other_domains}}},
                {"rows", std::move(rows)}};
}

std::string matrix_to_table(const matrix& m, bool colour) {
    const text_style style(colour);
    std::ostringstream out;
    // 26 + 8 + 13 + 14 + 6 + 8 + 8 = 83 columns, and the inbound cell within the next 17.
    out << pad("DOMAIN", 26) << pad("ROLE", 8) << pad("OUTBOUND", 13) << pad("TLS", 14)
        << pad("CERT", 6) << pad("MTA-STS", 8) << pad("DANE", 8) << "INBOUND FAILURES\n";
    for (const auto& r : m.rows) {
        const auto& o = r.outbound;
        const std::string days = o.cert_days_left ? std::to_string(*o.cert_days_left) : "-";
        out << pad(cut(r.facts.domain, 25), 26) << pad(r.facts.role, 8)
            << style.paint(state_severity(o.state),
                           pad(std::string(policy::to_string(o.state)), 13))
            << pad(cut(versions_text(o), 13), 14) << pad(days, 6)
            << pad(r.facts.sts_mode ? *r.facts.sts_mode
                                    : (r.facts.sts_result_type ? "broken" : "-"),
                   8)
            << pad(r.facts.dane_status, 8) << inbound_cell(r) << "\n";
    }
    const auto& c = m.coverage.partners;
    out << "\nCoverage of " << c.total() << " partner(s): " << c.validated << " validated ("
        << percent(c.total() ? double(c.validated) / double(c.total()) : 0) << "), "
        << c.opportunistic << " opportunistic only, " << c.failing << " failing, " << c.unknown
        << " not checked\n";
    if (m.coverage.sessions.total() != 0) {
        const auto& s = m.coverage.sessions;
        out << "Reported sessions to our domains: " << policy::with_separators(s.total()) << " ("
            << percent(double(s.validated) / double(s.total())) << " policy-validated, "
            << percent(double(s.opportunistic) / double(s.total())) << " opportunistic, "
            << percent(double(s.failed) / double(s.total())) << " failed)\n";
    }
    bool heading = false;
    for (const auto& r : m.rows) {
        for (const auto& b : r.outbound.blocking) {
            if (!heading) {
                out << "\nBlocking our outbound requirements (min " << m.requirements.min_version
                    << (m.requirements.require_forward_secrecy ? ", forward secrecy" : "")
                    << (m.requirements.require_valid_certificate ? ", valid certificate" : "")
                    << "):\n";
                heading = true;
            }
            out << wrapped("  " + r.facts.domain + ": ", b);
        }
    }
    heading = false;
    for (const auto& r : m.rows) {
        if (!r.inbound) {
            continue;
        }
        for (const auto& e : r.inbound->explanations) {
            if (!heading) {
                out << "\nReported failures to our domains, explained:\n";
                heading = true;
            }
            out << wrapped("  " + r.facts.domain + ": ", e.text);
        }
    }
    if (m.what_if) {
        const auto& w = *m.what_if;
        out << "\nWhat if we required min " << w.requirements.min_version
            << (w.requirements.require_forward_secrecy ? " + forward secrecy" : "")
            << (w.requirements.require_valid_certificate ? " + valid certificate" : "") << ": "
            << w.breaking.size() << " of " << w.partners << " partner(s) would break";
        if (w.reported_sessions != 0) {
            out << ", " << percent(w.affected_share()) << " of reported sessions";
        }
        out << "\n";
        for (const auto& p : w.breaking) {
            out << wrapped("  " + p.domain + ": ", join(p.blocking, "; "));
        }
    }
    if (!m.reports.errors.empty()) {
        out << "\n" << m.reports.errors.size() << " report file(s) could not be read:\n";
        for (const auto& [file, message] : m.reports.errors) {
            out << wrapped("  " + file + ": ", message);
        }
    }
    return out.str();
}

std::string matrix_to_csv(const matrix& m) {
    const auto field = [](const std::string& s) {
        if (s.find_first_of(",\"\n") == std::string::npos) {
            return s;
        }
        std::string q = "\"";
        for (char c : s) {
            q += c == '"' ? std::string("\"\"") : std::string(1, c);
        }
        return q + "\"";
    };
    std::ostringstream out;
    out << "domain,name,role,tags,encryption,outbound,compatible,versions,ciphers_weakest,"
           "ciphers_strongest,cert_days_left,mta_sts_mode,dane,inbound_sessions,"
           "inbound_failures,inbound_failure_rate,blocking\n";
    for (const auto& r : m.rows) {
        const auto& o = r.outbound;
        out << field(r.facts.domain) << "," << field(r.facts.name) << "," << r.facts.role << ","
            << field(join(r.facts.tags, " ")) << "," << policy::to_string(r.encryption) << ","
            << policy::to_string(o.state) << "," << (o.compatible ? "yes" : "no") << ","
            << versions_text(o) << "," << o.ciphers_weakest << "," << o.ciphers_strongest << ","
            << (o.cert_days_left ? std::to_string(*o.cert_days_left) : "") << ","
            << (o.mta_sts_mode ? *o.mta_sts_mode : "") << "," << o.dane << ","
            << (r.inbound ? std::to_string(r.inbound->sessions()) : "") << ","
            << (r.inbound ? std::to_string(r.inbound->failures) : "") << ",";
        if (r.inbound) {
            char rate[32];
            (void)std::snprintf(rate, sizeof rate, "%.4f", r.inbound->failure_rate());
            out << rate;
        }
        out << "," << field(join(o.blocking, "; ")) << "\n";
    }
    return out.str();
}

std::string matrix_to_markdown(const matrix& m) {
    const auto cell = [](const std::string& s) {
        std::string out;
        for (char c : s) {
            out += c == '|' ? std::string("\\|") : std::string(1, c);
        }
        return out.empty() ? std::string("—") : out;
    };
    std::ostringstream out;
    out << "# Compatibility matrix\n\nGenerated " << m.generated << ". Requirements: minimum "
        << m.requirements.min_version
        << (m.requirements.require_forward_secrecy ? ", forward secrecy" : "")
        << (m.requirements.require_valid_certificate ? ", valid certificate" : "")
        << (m.requirements.honour_mta_sts ? ", MTA-STS honoured" : "")
        << (m.requirements.honour_dane ? ", DANE honoured" : "") << ".\n\n";
    out << "| domain | role | encryption | outbound | TLS | weakest suite | cert days | MTA-STS | "
           "DANE | inbound failures |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : m.rows) {
        const auto& o = r.outbound;
        out << "| " << cell(r.facts.domain) << " | " << r.facts.role << " | "
            << policy::to_string(r.encryption) << " | **" << policy::to_string(o.state) << "** | "
            << cell(versions_text(o)) << " | " << cell(o.ciphers_weakest) << " | "
            << (o.cert_days_left ? std::to_string(*o.cert_days_left) : "—") << " | "
            << cell(o.mta_sts_mode ? *o.mta_sts_mode : "") << " | " << cell(o.dane) << " | "
            << cell(inbound_cell(r)) << " |\n";
    }
    const auto& c = m.coverage.partners;
    out << "\n## Coverage\n\n"
        << c.validated << " of " << c.total() << " partners validated, " << c.opportunistic
        << " opportunistic only, " << c.failing << " failing, " << c.unknown << " not checked.\n";
    out << "\n## Blocking reasons\n\n";
    bool any = false;
    for (const auto& r : m.rows) {
        for (const auto& b : r.outbound.blocking) {
            out << "- **" << r.facts.domain << "**: " << b << "\n";
            any = true;
        }
    }
    if (!any) {
        out << "None.\n";
    }
    out << "\n## Reported failures, explained\n\n";
    any = false;
    for (const auto& r : m.rows) {
        if (r.inbound) {
            for (const auto& e : r.inbound->explanations) {
                out << "- **" << r.facts.domain << "**: " << e.text << "\n";
                any = true;
            }
        }
    }
    if (!any) {
        out << "None.\n";
    }
    if (m.what_if) {
        const auto& w = *m.what_if;
        out << "\n## What if we required minimum " << w.requirements.min_version
            << (w.requirements.require_forward_secrecy ? " and forward secrecy" : "") << "\n\n"
            << w.breaking.size() << " of " << w.partners << " partners would break ("
            << percent(w.affected_share()) << " of reported sessions).\n\n";
        for (const auto& p : w.breaking) {
            out << "- **" << p.domain << "**: " << cell(join(p.blocking, "; ")) << "\n";
        }
    }
    return out.str();
}

} // namespace mxprobe
