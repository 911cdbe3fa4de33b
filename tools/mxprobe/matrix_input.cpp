#include "tools/mxprobe/matrix_input.hpp"

#include "policy/tlsrpt_report.hpp"
#include "tools/mxprobe/domain_report.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <nlohmann/json.hpp>

namespace mxprobe {

namespace {

using nlohmann::json;

constexpr std::size_t max_scan_file = std::size_t{1} << 30;
constexpr std::size_t max_scan_line = std::size_t{64} << 20;

// Reads members with their JSON path, so a bad file says exactly what is wrong where.
class reader {
  public:
    explicit reader(std::string where) : where_(std::move(where)) {}

    [[noreturn]] void fail(const std::string& path, const std::string& what) const {
        throw matrix_input_error(where_ + ": " + path + ": " + what);
    }

    const json& member(const json& j, const std::string& path, const char* key) const {
        if (!j.is_object()) {
            fail(path, "is not an object");
        }
        const auto it = j.find(key);
        if (it == j.end()) {
            fail(path + "." + key, "is missing");
        }
        return *it;
    }

    std::string text(const json& j, const std::string& path, const char* key) const {
        const json& v = member(j, path, key);
        if (!v.is_string()) {
            fail(path + "." + key, "is not a string");
        }
        return v.get<std::string>();
    }

    std::string text_or_empty(const json& j, const std::string& path, const char* key) const {
        const json& v = member(j, path, key);
        if (v.is_null()) {
            return {};
        }
        if (!v.is_string()) {
            fail(path + "." + key, "is not a string or null");
        }
        return v.get<std::string>();
    }

    bool flag(const json& j, const std::string& path, const char* key) const {
        const json& v = member(j, path, key);
        if (!v.is_boolean()) {
            fail(path + "." + key, "is not true or false");
        }
        return v.get<bool>();
    }

    std::vector<std::string> strings(const json& j, const std::string& path,
                                     const char* key) const {
        const json& v = member(j, path, key);
        if (!v.is_array()) {
            fail(path + "." + key, "is not an array");
        }
        std::vector<std::string> out;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string()) {
                fail(path + "." + key + "[" + std::to_string(i) + "]", "is not a string");
            }
            out.push_back(v[i].get<std::string>());
        }
        return out;
    }

  private:
    std::string where_;
};

std::optional<std::int64_t> time_of(const json& j) {
    if (!j.is_string()) {
        return std::nullopt;
    }
    return policy::parse_rfc3339(j.get<std::string>());
}

void read_probe(const reader& r, const json& probe, const std::string& path, policy::mx_facts& m) {
    m.status = r.text(probe, path, "status");
    const json& error = r.member(probe, path, "error");
    if (error.is_object()) {
        m.error = r.text(error, path + ".error", "message");
    }
    const json& starttls = r.member(probe, path, "starttls");
    m.starttls_offered = r.flag(starttls, path + ".starttls", "offered");
    const json& tls = r.member(probe, path, "tls");
    if (tls.is_object()) {
        m.tls = r.flag(starttls, path + ".starttls", "ok");
        m.version = r.text(tls, path + ".tls", "version");
        m.cipher = r.text(tls, path + ".tls", "cipher");
        m.forward_secrecy = r.flag(tls, path + ".tls", "forward_secrecy");
    }
    const json& cert = r.member(probe, path, "certificate");
    if (cert.is_object()) {
        m.cert_trusted = r.flag(cert, path + ".certificate", "trusted");
        m.hostname_match = r.flag(cert, path + ".certificate", "hostname_match");
        m.chain_complete = r.flag(cert, path + ".certificate", "chain_complete");
        m.missing_intermediate = cert.value("missing_intermediate", false);
        const json& days = r.member(cert, path + ".certificate", "days_left");
        if (days.is_number_integer()) {
            m.cert_days_left = days.get<std::int64_t>();
        }
        const json& chain = r.member(cert, path + ".certificate", "chain");
        if (chain.is_array() && !chain.empty()) {
            m.cert_subject = r.text(chain[0], path + ".certificate.chain[0]", "subject");
            m.cert_sha256 = r.text(chain[0], path + ".certificate.chain[0]", "sha256");
            m.spki_sha256 = r.text(chain[0], path + ".certificate.chain[0]", "spki_sha256");
            m.cert_not_after =
                time_of(r.member(chain[0], path + ".certificate.chain[0]", "not_after"));
        }
    }
    if (const auto v = probe.find("versions"); v != probe.end() && v->is_object()) {
        for (const auto& [version, ok] : v->items()) {
            m.versions[version] = ok.is_boolean() && ok.get<bool>();
        }
        m.enumerated = true;
        const auto notes = probe.find("enumeration_notes");
        m.enumeration_complete = notes == probe.end() || notes->empty();
    }
    if (const auto c = probe.find("ciphers"); c != probe.end() && c->is_object()) {
        for (const auto& [version, list] : c->items()) {
            m.ciphers[version] = r.strings(*c, path + ".ciphers", version.c_str());
        }
    }
    m.result_types = probe.contains("effective_result_types")
                         ? r.strings(probe, path, "effective_result_types")
                         : r.strings(probe, path, "result_types");
    if (const auto d = probe.find("dane"); d != probe.end() && d->is_object()) {
        m.dane_status = r.text(*d, path + ".dane", "status");
        m.dane_authenticated = r.flag(*d, path + ".dane", "authenticated");
        m.dane_result_types = r.strings(*d, path + ".dane", "result_types");
    }
    const json& findings = r.member(probe, path, "findings");
    for (std::size_t i = 0; i < findings.size(); ++i) {
        const std::string at = path + ".findings[" + std::to_string(i) + "]";
        m.findings.emplace_back(r.text(findings[i], at, "code"),
                                r.text(findings[i], at, "message"));
    }
}

policy::mx_facts read_host(const reader& r, const json& h, const std::string& path) {
    policy::mx_facts m;
    m.host = r.text(h, path, "host");
    m.ip = r.text(h, path, "ip");
    const json& preference = r.member(h, path, "preference");
    m.preference = preference.is_number_unsigned() ? preference.get<std::uint16_t>() : 0;
    m.verdict = r.text(h, path, "verdict");
    m.checked = m.verdict != "unknown";
    m.policy = r.text(h, path, "policy");
    m.reportable_result_types = r.strings(h, path, "reportable_result_types");
    m.rate_limited = r.flag(h, path, "rate_limited");
    const json& sts = r.member(h, path, "mta_sts");
    if (sts.is_object()) {
        m.sts_compliant = r.flag(sts, path + ".mta_sts", "compliant");
        if (const auto t = sts.find("result_type"); t != sts.end() && t->is_string()) {
            m.sts_result_type = t->get<std::string>();
        }
    }
    read_probe(r, r.member(h, path, "probe"), path + ".probe", m);
    return m;
}

std::string sts_fingerprint(const std::string& mode, std::optional<std::uint32_t> max_age,
                            std::vector<std::string> mx) {
    for (auto& pattern : mx) {
        std::transform(pattern.begin(), pattern.end(), pattern.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    std::sort(mx.begin(), mx.end());
    mx.erase(std::unique(mx.begin(), mx.end()), mx.end());
    std::string out =
        "mode=" + mode + ";max_age=" + (max_age ? std::to_string(*max_age) : "") + ";mx=";
    for (std::size_t i = 0; i < mx.size(); ++i) {
        out += (i == 0 ? "" : ",") + mx[i];
    }
    return out;
}

void read_sts(const reader& r, const json& sts, policy::domain_facts_summary& d) {
    const std::string path = "mta_sts";
    d.sts_error = r.text_or_empty(sts, path, "error");
    const json& type = r.member(sts, path, "result_type");
    if (type.is_string()) {
        d.sts_result_type = type.get<std::string>();
    }
    const json& txt = r.member(sts, path, "txt");
    const bool txt_valid = txt.is_object() && txt.value("status", "") == "valid";
    if (txt_valid) {
        d.sts_id = txt.value("id", "");
    }
    const json& policy = r.member(sts, path, "policy");
    if (txt_valid && !d.sts_result_type && policy.is_object() && policy.value("valid", false)) {
        d.sts_mode = r.text(policy, path + ".policy", "mode");
        if (const auto a = policy.find("max_age"); a != policy.end() && a->is_number_unsigned()) {
            d.sts_max_age = a->get<std::uint32_t>();
        }
        d.sts_policy_fingerprint =
            sts_fingerprint(*d.sts_mode, d.sts_max_age, r.strings(policy, path + ".policy", "mx"));
    }
    const json& fetch = r.member(sts, path, "fetch");
    if (fetch.is_object()) {
        if (const auto leaf = fetch.find("leaf"); leaf != fetch.end() && leaf->is_object()) {
            d.sts_cert_not_after = time_of(r.member(*leaf, path + ".fetch.leaf", "not_after"));
            d.sts_cert_sha256 = r.text(*leaf, path + ".fetch.leaf", "sha256");
        }
    }
}

std::vector<policy::domain_facts_summary> from_document(const json& doc, const std::string& where) {
    const reader r(where);
    const std::string schema = r.text(doc, "$", "schema");
    if (schema == "mxprobe/scan/1") {
        std::vector<policy::domain_facts_summary> out;
        const json& domains = r.member(doc, "$", "domains");
        for (std::size_t i = 0; i < domains.size(); ++i) {
            out.push_back(
                facts_from_domain_json(domains[i], where + ": domains[" + std::to_string(i) + "]"));
        }
        return out;
    }
    return {facts_from_domain_json(doc, where)};
}

} // namespace

policy::domain_facts_summary facts_from_domain_json(const json& doc, const std::string& where) {
    const reader r(where);
    const std::string schema = r.text(doc, "$", "schema");
    if (schema != domain_schema_id) {
        r.fail("$.schema", "is '" + schema + "', not " + domain_schema_id);
    }
    policy::domain_facts_summary d;
    d.domain = r.text(doc, "$", "domain");
    d.name = r.text(doc, "$", "name");
    d.role = r.text(doc, "$", "role");
    d.tags = r.strings(doc, "$", "tags");
    d.verdict = r.text(doc, "$", "verdict");
    d.route = r.text(doc, "$", "route");
    const json& hosts = r.member(doc, "$", "hosts");
    if (!hosts.is_array()) {
        r.fail("$.hosts", "is not an array");
    }
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        d.mx.push_back(read_host(r, hosts[i], "$.hosts[" + std::to_string(i) + "]"));
    }
    read_sts(r, r.member(doc, "$", "mta_sts"), d);
    d.dane_status = r.text(r.member(doc, "$", "dane"), "$.dane", "status");
    d.result_types = r.strings(doc, "$", "result_types");
    d.reportable_result_types = r.strings(doc, "$", "reportable_result_types");
    return d;
}

policy::domain_facts_summary facts_from_domain_text(const std::string& text,
                                                    const std::string& where) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        throw matrix_input_error(where + ": not JSON: " + e.what());
    }
    return facts_from_domain_json(doc, where);
}

std::vector<policy::domain_facts_summary> load_scan_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw matrix_input_error("cannot read " + path);
    }
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::size_t>(in.tellg());
    if (size > max_scan_file) {
        throw matrix_input_error(path + ": larger than 1 GiB");
    }
    in.seekg(0);
    // JSON Lines when the first non-blank line is a whole document by itself.
    std::string first;
    std::streampos start = in.tellg();
    while (std::getline(in, first) && first.find_first_not_of(" \t\r") == std::string::npos) {
        start = in.tellg();
    }
    in.clear();
    in.seekg(start);
    bool lines = false;
    try {
        lines = json::parse(first).is_object();
    } catch (const json::parse_error&) {
        lines = false;
    }
    std::vector<policy::domain_facts_summary> out;
    if (!lines) {
        try {
            const json doc = json::parse(in);
            return from_document(doc, path);
        } catch (const json::parse_error& e) {
            throw matrix_input_error(path + ": not JSON: " + e.what());
        }
    }
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.size() > max_scan_line) {
            throw matrix_input_error(path + ":" + std::to_string(number) + ": line over 64 MiB");
        }
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        const std::string where = path + ":" + std::to_string(number);
        json doc;
        try {
            doc = json::parse(line);
        } catch (const json::parse_error& e) {
            throw matrix_input_error(where + ": not JSON: " + e.what());
        }
        for (auto& d : from_document(doc, where)) {
            out.push_back(std::move(d));
        }
    }
    return out;
}

} // namespace mxprobe
