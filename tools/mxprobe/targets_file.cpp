#include "tools/mxprobe/targets_file.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace mxprobe {

namespace {

// A targets file is configuration, not data: anything this large is a mistake (or an attack
// on the parser). Large domain lists go through --domains FILE.
constexpr std::size_t max_targets_file_bytes = std::size_t{8} * 1024 * 1024;

class reader {
  public:
    explicit reader(std::string name) : name_(std::move(name)) {}

    [[nodiscard]] std::string where(const YAML::Node& n) const {
        const YAML::Mark m = n.Mark();
        if (m.is_null()) {
            return name_;
        }
        return name_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    }

    [[noreturn]] void fail(const YAML::Node& n, const std::string& message) const {
        throw config_error(where(n) + ": " + message);
    }

    // Calls `each(key, value)` for every entry of the mapping `n`, refusing keys not in
    // `known` and keys given twice.
    void fields(const YAML::Node& n, const std::string& what, const std::set<std::string>& known,
                const std::function<void(const std::string&, const YAML::Node&)>& each) const {
        if (n.IsNull()) {
            return;
        }
        if (!n.IsMap()) {
            fail(n, what + " must be a mapping of keys to values");
        }
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            if (!it->first.IsScalar()) {
                fail(it->first, what + ": keys must be plain words");
            }
            const std::string key = it->first.Scalar();
            if (known.count(key) == 0) {
                std::string list;
                for (const auto& k : known) {
                    list += (list.empty() ? "" : ", ") + k;
                }
                // NOLINTNEXTLINE(performance-inefficient-string-concatenation): fail() throws
                fail(it->first, "unknown key '" + key + "' in " + what + " (known: " + list + ")");
            }
            if (!seen.insert(key).second) {
                // NOLINTNEXTLINE(performance-inefficient-string-concatenation): fail() throws
                fail(it->first, "'" + key + "' is given twice in " + what);
            }
            each(key, it->second);
        }
    }

    [[nodiscard]] std::string text(const YAML::Node& n, const std::string& key) const {
        if (n.IsNull()) {
            fail(n, "'" + key +
                        "' has no value (YAML reads an empty value, ~ and null/NULL as "
                        "nothing: quote the word if you meant it, e.g. \"NULL\")");
        }
        if (!n.IsScalar()) {
            fail(n, "'" + key + "' must be a single value, not a list or mapping");
        }
        return n.Scalar();
    }

    [[nodiscard]] bool boolean(const YAML::Node& n, const std::string& key) const {
        const std::string v = text(n, key);
        if (v == "true" || v == "yes" || v == "on") {
            return true;
        }
        if (v == "false" || v == "no" || v == "off") {
            return false;
        }
        fail(n, "'" + key + "' must be true or false, not '" + v + "'");
    }

    [[nodiscard]] long long integer(const YAML::Node& n, const std::string& key, long long min,
                                    long long max) const {
        const std::string v = text(n, key);
        std::size_t used = 0;
        long long x = 0;
        try {
            x = std::stoll(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != v.size()) {
            fail(n, "'" + key + "' must be a whole number, not '" + v + "'");
        }
        if (x < min || x > max) {
            fail(n, "'" + key + "' must be between " + std::to_string(min) + " and " +
                        std::to_string(max) + ", not " + v);
        }
        return x;
    }

    [[nodiscard]] double fraction(const YAML::Node& n, const std::string& key) const {
        const std::string v = text(n, key);
        std::size_t used = 0;
        double x = -1;
        try {
            x = std::stod(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != v.size() || x < 0 || x > 1) {
            fail(n,
                 "'" + key + "' must be a number from 0 to 1 (e.g. 0.05 for 5%), not '" + v + "'");
        }
        return x;
    }

    [[nodiscard]] std::chrono::milliseconds duration(const YAML::Node& n,
                                                     const std::string& key) const {
        try {
            return parse_duration(text(n, key));
        } catch (const std::invalid_argument& e) {
            fail(n, "'" + key + "': " + e.what());
        }
    }

    [[nodiscard]] std::vector<std::string> list(const YAML::Node& n, const std::string& key) const {
        std::vector<std::string> out;
        if (n.IsScalar()) {
            out.push_back(n.Scalar()); // a single value stands for a list of one
            return out;
        }
        if (!n.IsSequence()) {
            fail(n, "'" + key + "' must be a list");
        }
        for (const auto& item : n) {
            out.push_back(text(item, key + " entry"));
        }
        return out;
    }

    [[nodiscard]] std::string domain(const YAML::Node& n, const std::string& key) const {
        try {
            return normalise_domain(text(n, key));
        } catch (const std::invalid_argument& e) {
            fail(n, "'" + key + "': " + e.what());
        }
    }

  private:
    std::string name_;
};

std::string resolve_path(const std::string& base_dir, const std::string& p) {
    if (p.empty() || std::filesystem::path(p).is_absolute()) {
        return p;
    }
    return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

void read_defaults(const reader& r, const YAML::Node& n, scan_defaults& d,
                   const std::string& base_dir) {
    static const std::set<std::string> known = {"ehlo",
                                                "port",
                                                "timeout",
                                                "banner_timeout",
                                                "concurrency",
                                                "max_connections",
                                                "per_ip",
                                                "per_provider",
                                                "ip_spacing",
                                                "retries",
                                                "retry_delay",
                                                "slow_after",
                                                "domains_in_flight",
                                                "domains_waiting",
                                                "enumerate",
                                                "ca_file",
                                                "resolver",
                                                "allow_private",
                                                "ip_version",
                                                "require_dane"};
    r.fields(n, "defaults", known, [&](const std::string& k, const YAML::Node& v) {
        if (k == "ehlo") {
            d.ehlo = r.domain(v, k);
        } else if (k == "port") {
            d.port = static_cast<std::uint16_t>(r.integer(v, k, 1, 65535));
        } else if (k == "timeout") {
            d.timeout = r.duration(v, k);
        } else if (k == "banner_timeout") {
            d.banner_timeout = r.duration(v, k);
        } else if (k == "concurrency") {
            d.concurrency = static_cast<std::size_t>(r.integer(v, k, 1, 100000));
        } else if (k == "max_connections") {
            d.max_connections = static_cast<std::size_t>(r.integer(v, k, 1, 1000000));
        } else if (k == "per_ip") {
            d.per_ip = static_cast<std::size_t>(r.integer(v, k, 1, 1000));
        } else if (k == "per_provider") {
            d.per_provider = static_cast<std::size_t>(r.integer(v, k, 1, 100000));
        } else if (k == "ip_spacing") {
            d.ip_spacing = r.duration(v, k);
        } else if (k == "retries") {
            d.retries = static_cast<int>(r.integer(v, k, 0, 10));
        } else if (k == "retry_delay") {
            d.retry_delay = r.duration(v, k);
        } else if (k == "slow_after") {
            d.slow_after = r.duration(v, k);
        } else if (k == "domains_in_flight") {
            d.domains_in_flight = static_cast<std::size_t>(r.integer(v, k, 1, 1000000));
        } else if (k == "domains_waiting") {
            d.domains_waiting = static_cast<std::size_t>(r.integer(v, k, 0, 1000000));
        } else if (k == "enumerate") {
            d.enumerate = r.boolean(v, k);
        } else if (k == "ca_file") {
            d.ca_file = resolve_path(base_dir, r.text(v, k));
        } else if (k == "resolver") {
            d.resolvers = r.list(v, k);
        } else if (k == "allow_private") {
            d.allow_private = r.boolean(v, k);
        } else if (k == "ip_version") {
            const std::string which = r.text(v, k);
            if (which != "both" && which != "ipv4" && which != "ipv6") {
                r.fail(v, "'ip_version' must be both, ipv4 or ipv6, not '" + which + "'");
            }
            d.ipv4 = which != "ipv6";
            d.ipv6 = which != "ipv4";
        } else if (k == "require_dane") {
            d.require_dane = r.boolean(v, k);
        }
    });
}

void read_requirements(const reader& r, const YAML::Node& n, policy::outbound_requirements& q) {
    static const std::set<std::string> known = {"min_version",       "require_forward_secrecy",
                                                "forbidden_ciphers", "require_valid_certificate",
                                                "honour_mta_sts",    "honour_dane"};
    r.fields(n, "requirements", known, [&](const std::string& k, const YAML::Node& v) {
        if (k == "min_version") {
            q.min_version = r.text(v, k);
            static const std::set<std::string> versions = {"TLSv1", "TLSv1.1", "TLSv1.2",
                                                           "TLSv1.3"};
            if (versions.count(q.min_version) == 0) {
                r.fail(v, "'min_version' must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3, not '" +
                              q.min_version + "'");
            }
        } else if (k == "require_forward_secrecy") {
            q.require_forward_secrecy = r.boolean(v, k);
        } else if (k == "forbidden_ciphers") {
            q.forbidden_ciphers = r.list(v, k);
        } else if (k == "require_valid_certificate") {
            q.require_valid_certificate = r.boolean(v, k);
        } else if (k == "honour_mta_sts") {
            q.honour_mta_sts = r.boolean(v, k);
        } else if (k == "honour_dane") {
            q.honour_dane = r.boolean(v, k);
        }
    });
}

target read_target(const reader& r, const YAML::Node& n, const std::string& role) {
    target t;
    t.role = role;
    t.where = r.where(n);
    if (n.IsScalar()) {
        t.domain = r.domain(n, "domain"); // "- example.com" is a target with defaults
        t.name = t.domain;
        return t;
    }
    static const std::set<std::string> known = {
        "domain", "name", "tags", "port", "enumerate", "allow_private", "require_dane", "ehlo"};
    r.fields(n, role == "own" ? "an own_domains entry" : "a partners entry", known,
             [&](const std::string& k, const YAML::Node& v) {
                 if (k == "domain") {
                     t.domain = r.domain(v, k);
                 } else if (k == "name") {
                     t.name = r.text(v, k);
                 } else if (k == "tags") {
                     t.tags = r.list(v, k);
                 } else if (k == "port") {
                     t.overrides.port = static_cast<std::uint16_t>(r.integer(v, k, 1, 65535));
                 } else if (k == "enumerate") {
                     t.overrides.enumerate = r.boolean(v, k);
                 } else if (k == "allow_private") {
                     t.overrides.allow_private = r.boolean(v, k);
                 } else if (k == "require_dane") {
                     t.overrides.require_dane = r.boolean(v, k);
                 } else if (k == "ehlo") {
                     t.overrides.ehlo = r.domain(v, k);
                 }
             });
    if (t.domain.empty()) {
        r.fail(n, "this entry has no 'domain'");
    }
    if (t.name.empty()) {
        t.name = t.domain;
    }
    return t;
}

std::vector<target> read_targets(const reader& r, const YAML::Node& n, const std::string& role) {
    std::vector<target> out;
    if (n.IsNull()) {
        return out;
    }
    if (!n.IsSequence()) {
        r.fail(n, std::string(role == "own" ? "own_domains" : "partners") +
                      " must be a list of domains");
    }
    for (const auto& item : n) {
        out.push_back(read_target(r, item, role));
    }
    return out;
}

void read_schedule(const reader& r, const YAML::Node& n, std::vector<schedule_group>& out) {
    if (n.IsNull()) {
        return;
    }
    if (!n.IsSequence()) {
        r.fail(n, "schedule must be a list of groups (name, every, jitter, tags)");
    }
    static const std::set<std::string> known = {"name", "every", "jitter", "tags", "enumerate"};
    for (const auto& item : n) {
        schedule_group g;
        r.fields(item, "a schedule entry", known, [&](const std::string& k, const YAML::Node& v) {
            if (k == "name") {
                g.name = r.text(v, k);
            } else if (k == "every") {
                g.every = r.duration(v, k);
                if (g.every < std::chrono::seconds(1)) {
                    r.fail(v, "'every' must be at least 1s");
                }
            } else if (k == "jitter") {
                g.jitter = r.duration(v, k);
            } else if (k == "tags") {
                g.tags = r.list(v, k);
            } else if (k == "enumerate") {
                g.enumerate = r.boolean(v, k);
            }
        });
        if (g.name.empty()) {
            r.fail(item, "this schedule entry has no 'name'");
        }
        out.push_back(std::move(g));
    }
}

void read_alerts(const reader& r, const YAML::Node& n, alert_settings& a) {
    static const std::set<std::string> known = {"cert_expiry_warning_days",
                                                "cert_expiry_critical_days",
                                                "failure_rate",
                                                "failure_window",
                                                "min_sessions",
                                                "webhook",
                                                "command",
                                                "jsonl"};
    r.fields(n, "alerts", known, [&](const std::string& k, const YAML::Node& v) {
        if (k == "cert_expiry_warning_days") {
            a.cert_expiry_warning_days = static_cast<int>(r.integer(v, k, 0, 3650));
        } else if (k == "cert_expiry_critical_days") {
            a.cert_expiry_critical_days = static_cast<int>(r.integer(v, k, 0, 3650));
        } else if (k == "failure_rate") {
            a.failure_rate = r.fraction(v, k);
        } else if (k == "failure_window") {
            a.failure_window = r.duration(v, k);
        } else if (k == "min_sessions") {
            a.min_sessions = static_cast<std::uint64_t>(r.integer(v, k, 0, 1'000'000'000));
        } else if (k == "webhook") {
            a.webhook = r.text(v, k);
        } else if (k == "command") {
            a.command = r.text(v, k);
        } else if (k == "jsonl") {
            a.jsonl = r.text(v, k);
        }
    });
    if (a.cert_expiry_critical_days > a.cert_expiry_warning_days) {
        r.fail(n, "alerts: cert_expiry_critical_days (" +
                      std::to_string(a.cert_expiry_critical_days) +
                      ") must not exceed cert_expiry_warning_days (" +
                      std::to_string(a.cert_expiry_warning_days) + ")");
    }
}

void check_unique(const reader& r, const YAML::Node& root, const targets_file& f) {
    std::map<std::string, std::string> seen;
    for (const auto& t : f.all_targets()) {
        if (auto [it, fresh] = seen.emplace(t.domain, t.where); !fresh) {
            throw config_error(t.where + ": " + t.domain + " is listed twice (first at " +
                               it->second + ")");
        }
    }
    std::set<std::string> names;
    for (const auto& g : f.schedule) {
        if (!names.insert(g.name).second) {
            r.fail(root["schedule"], "schedule group '" + g.name + "' is defined twice");
        }
    }
}

} // namespace

std::vector<target> targets_file::all_targets() const {
    std::vector<target> out = own_domains;
    out.insert(out.end(), partners.begin(), partners.end());
    return out;
}

targets_file parse_targets(const std::string& text, const std::string& name,
                           const std::string& base_dir) {
    const reader r(name);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw config_error(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
    targets_file f;
    f.path = name;
    if (root.IsNull()) {
        throw config_error(name +
                           ": the file is empty (it needs at least own_domains or partners)");
    }
    static const std::set<std::string> known = {"version",     "defaults", "requirements",
                                                "own_domains", "partners", "schedule",
                                                "alerts",      "tlsrpt",   "db"};
    r.fields(root, "the top level", known, [&](const std::string& k, const YAML::Node& v) {
        if (k == "version") {
            (void)r.integer(v, k, 1, 1);
        } else if (k == "defaults") {
            read_defaults(r, v, f.defaults, base_dir);
        } else if (k == "requirements") {
            read_requirements(r, v, f.requirements);
        } else if (k == "own_domains") {
            f.own_domains = read_targets(r, v, "own");
        } else if (k == "partners") {
            f.partners = read_targets(r, v, "partner");
        } else if (k == "schedule") {
            read_schedule(r, v, f.schedule);
        } else if (k == "alerts") {
            read_alerts(r, v, f.alerts);
        } else if (k == "tlsrpt") {
            r.fields(v, "tlsrpt", {"folders"}, [&](const std::string& key, const YAML::Node& x) {
                for (const auto& p : r.list(x, key)) {
                    f.tlsrpt_folders.push_back(resolve_path(base_dir, p));
                }
            });
        } else if (k == "db") {
            f.db = resolve_path(base_dir, r.text(v, k));
        }
    });
    if (f.own_domains.empty() && f.partners.empty()) {
        r.fail(root, "no targets: add own_domains or partners");
    }
    check_unique(r, root, f);
    return f;
}

targets_file load_targets(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::string text;
    std::array<char, 65536> chunk{};
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_targets_file_bytes) {
            throw config_error(path + ": larger than " +
                               std::to_string(max_targets_file_bytes / (std::size_t{1024} * 1024)) +
                               " MiB; put long domain lists in a file for --domains");
        }
    }
    const auto dir = std::filesystem::path(path).parent_path();
    return parse_targets(text, path, dir.empty() ? "." : dir.string());
}

} // namespace mxprobe
