#include "policy/facts_diff.hpp"

#include "policy/time_text.hpp"

#include <algorithm>
#include <set>

namespace policy {

namespace {

std::string or_none(const std::string& s) {
    return s.empty() ? "none" : s;
}

class differ {
  public:
    explicit differ(std::vector<fact_change>& out) : out_(out) {}

    // One change when the values differ; `text` gets " from -> to" appended.
    void value(const std::string& what, const std::string& label, const std::string& from,
               const std::string& to, const mx_facts* mx = nullptr) {
        if (from != to) {
            add(what, from, to, label + " " + or_none(from) + " -> " + or_none(to), mx);
        }
    }

    void add(const std::string& what, const std::string& from, const std::string& to,
             const std::string& text, const mx_facts* mx = nullptr) {
        fact_change c{what, "", "", from, to, text};
        if (mx != nullptr) {
            c.host = mx->host;
            c.ip = mx->ip;
            c.text = mx->host + " [" + mx->ip + "]: " + text;
        }
        out_.push_back(std::move(c));
    }

  private:
    std::vector<fact_change>& out_;
};

std::string short_hash(const std::string& hex) {
    return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex;
}

std::string cert_text(const mx_facts& m) {
    return short_hash(m.cert_sha256) +
           (m.cert_not_after ? " (until " + iso8601_utc(*m.cert_not_after).substr(0, 10) + ")"
                             : "");
}

std::string dane_text(const mx_facts& m) {
    if (m.dane_status.empty()) {
        return "";
    }
    if (m.dane_status != "applies") {
        return m.dane_status;
    }
    return m.dane_authenticated ? "applies, authenticated" : "applies, NOT authenticated";
}

void diff_versions(differ& d, const mx_facts& before, const mx_facts& after) {
    // Only when both scans enumerated to the end: otherwise one side knows just the
    // negotiated version, or missed what a busy server never got to answer.
    if (!before.enumeration_complete || !after.enumeration_complete) {
        return;
    }
    const auto accepted = [](const mx_facts& m, const std::string& v) {
        const auto it = m.versions.find(v);
        return it != m.versions.end() && it->second;
    };
    std::set<std::string> all;
    for (const auto& [v, ok] : before.versions) {
        all.insert(v);
    }
    for (const auto& [v, ok] : after.versions) {
        all.insert(v);
    }
    for (const auto& v : all) {
        const bool was = accepted(before, v);
        const bool is = accepted(after, v);
        if (was && !is) {
            d.add("tls-version-lost", v, "", v + " no longer accepted", &after);
        } else if (!was && is) {
            d.add("tls-version-gained", "", v, v + " now accepted", &after);
        }
    }
}

void diff_host(differ& d, const mx_facts& before, const mx_facts& after) {
    if (!before.checked || !after.checked) {
        // An address that could not be checked has no TLS facts to compare.
        d.value("probe", "probe", before.status, after.status, &after);
        return;
    }
    d.value("starttls", "STARTTLS", before.starttls_offered ? "offered" : "not offered",
            after.starttls_offered ? "offered" : "not offered", &after);
    d.value("tls-version", "TLS", before.version, after.version, &after);
    diff_versions(d, before, after);
    if (!before.cert_sha256.empty() && !after.cert_sha256.empty()) {
        if (before.cert_sha256 != after.cert_sha256) {
            d.add("certificate", before.cert_sha256, after.cert_sha256,
                  "certificate " + cert_text(before) + " -> " + cert_text(after), &after);
        }
        if (before.spki_sha256 != after.spki_sha256) {
            d.add("key", before.spki_sha256, after.spki_sha256,
                  "new key (SPKI sha256 " + short_hash(before.spki_sha256) + " -> " +
                      short_hash(after.spki_sha256) + ")",
                  &after);
        }
        d.value("chain", "chain", before.chain_complete ? "complete" : "incomplete",
                after.chain_complete ? "complete" : "incomplete", &after);
    }
    d.value("mx-dane", "DANE", dane_text(before), dane_text(after), &after);
}

std::string key_of(const mx_facts& m) {
    return m.host + " " + m.ip;
}

} // namespace

std::vector<fact_change> diff_facts(const domain_facts_summary& before,
                                    const domain_facts_summary& after) {
    std::vector<fact_change> out;
    differ d(out);
    d.value("verdict", "verdict", before.verdict, after.verdict);
    d.value("route", "mail route", before.route, after.route);
    for (const auto& t : after.result_types) {
        if (std::find(before.result_types.begin(), before.result_types.end(), t) ==
            before.result_types.end()) {
            d.add("result-type-gained", "", t, "new RFC 8460 result type " + t);
        }
    }
    for (const auto& t : before.result_types) {
        if (std::find(after.result_types.begin(), after.result_types.end(), t) ==
            after.result_types.end()) {
            d.add("result-type-lost", t, "", "RFC 8460 result type " + t + " gone");
        }
    }
    d.value("mta-sts-mode", "MTA-STS mode", before.sts_mode.value_or(""),
            after.sts_mode.value_or(""));
    d.value("mta-sts-id", "MTA-STS id", before.sts_id, after.sts_id);
    if (!before.sts_policy_fingerprint.empty() && !after.sts_policy_fingerprint.empty()) {
        d.value("mta-sts-policy", "MTA-STS policy", before.sts_policy_fingerprint,
                after.sts_policy_fingerprint);
    }
    if (!before.sts_cert_sha256.empty() && !after.sts_cert_sha256.empty() &&
        before.sts_cert_sha256 != after.sts_cert_sha256) {
        d.add("mta-sts-certificate", before.sts_cert_sha256, after.sts_cert_sha256,
              "mta-sts." + after.domain + " certificate " + short_hash(before.sts_cert_sha256) +
                  " -> " + short_hash(after.sts_cert_sha256));
    }
    d.value("dane", "DANE", before.dane_status, after.dane_status);

    // Each address of the newer scan is compared with the same (host, IP) before; one
    // whose host kept its name but moved is compared with that host's unpaired old address.
    std::vector<const mx_facts*> paired(after.mx.size(), nullptr);
    std::vector<bool> used(before.mx.size(), false);
    for (std::size_t i = 0; i < after.mx.size(); ++i) {
        for (std::size_t j = 0; j < before.mx.size(); ++j) {
            if (!used[j] && key_of(before.mx[j]) == key_of(after.mx[i])) {
                paired[i] = &before.mx[j];
                used[j] = true;
                break;
            }
        }
    }
    std::vector<bool> moved(after.mx.size(), false);
    for (std::size_t i = 0; i < after.mx.size(); ++i) {
        for (std::size_t j = 0; paired[i] == nullptr && j < before.mx.size(); ++j) {
            if (!used[j] && before.mx[j].host == after.mx[i].host) {
                paired[i] = &before.mx[j];
                used[j] = true;
                moved[i] = true;
            }
        }
    }
    for (std::size_t i = 0; i < after.mx.size(); ++i) {
        const auto& m = after.mx[i];
        if (paired[i] == nullptr) {
            d.add("mx-added", "", m.host + " [" + m.ip + "]", "MX address added", &m);
            continue;
        }
        if (moved[i]) {
            d.value("address", "address", paired[i]->ip, m.ip, &m);
        }
        diff_host(d, *paired[i], m);
    }
    for (std::size_t j = 0; j < before.mx.size(); ++j) {
        if (!used[j]) {
            const auto& m = before.mx[j];
            d.add("mx-removed", m.host + " [" + m.ip + "]", "", "MX address removed", &m);
        }
    }
    return out;
}

} // namespace policy
