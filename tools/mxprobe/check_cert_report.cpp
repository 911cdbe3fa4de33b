#include "tools/mxprobe/check_cert_report.hpp"

#include "policy/candidate_certificate.hpp"
#include "tools/mxprobe/host_report.hpp"

#include <algorithm>
#include <sstream>

namespace mxprobe {

namespace {

using nlohmann::json;
using policy::check_status;

std::string role_of(const check_cert_report& r, std::size_t index) {
    const auto& path = r.order.path;
    const auto it = std::find(path.begin(), path.end(), index);
    if (it == path.end()) {
        return "unrelated";
    }
    const auto depth = static_cast<std::size_t>(it - path.begin());
    if (depth == 0) {
        return "leaf";
    }
    return depth + 1 == path.size() && r.chain.certificates[index].self_signed ? "root"
                                                                               : "intermediate";
}

json certificates_json(const check_cert_report& r) {
    json out = json::array();
    const auto& certs = r.chain.certificates;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        const auto& c = certs[i];
        json item = c;
        item["index"] = i + 1;
        item["role"] = role_of(r, i);
        item["not_before"] = iso8601(c.not_before);
        item["not_after"] = iso8601(c.not_after);
        item["server_auth_eku"] = c.server_auth_eku;
        out.push_back(std::move(item));
    }
    return out;
}

std::vector<std::size_t> one_based(const std::vector<std::size_t>& indices) {
    std::vector<std::size_t> out;
    out.reserve(indices.size());
    for (std::size_t i : indices) {
        out.push_back(i + 1);
    }
    return out;
}

const char* verdict_word(check_status s) {
    switch (s) {
    case check_status::ok:
        return "OK";
    case check_status::warn:
        return "WARNING";
    case check_status::fail:
        return "CRITICAL";
    case check_status::unknown:
        return "UNKNOWN";
    }
    return "UNKNOWN";
}

const char* json_verdict(check_status s) {
    switch (s) {
    case check_status::ok:
        return "ok";
    case check_status::warn:
        return "warning";
    case check_status::fail:
        return "critical";
    case check_status::unknown:
        return "unknown";
    }
    return "unknown";
}

const char* paint(bool colour, check_status s) {
    if (!colour) {
        return "";
    }
    switch (s) {
    case check_status::ok:
        return "\033[32m";
    case check_status::warn:
        return "\033[33m";
    case check_status::fail:
        return "\033[31m";
    case check_status::unknown:
        return "\033[35m";
    }
    return "";
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) {
        s.append(width - s.size(), ' ');
    }
    return s;
}

} // namespace

json check_cert_to_json(const check_cert_report& r) {
    const check_status overall = policy::worst(r.checks);
    json checks = json::array();
    json unchecked = json::array();
    for (const auto& c : r.checks) {
        json item = c;
        if (c.status == check_status::unknown) {
            item.erase("status");
            unchecked.push_back(std::move(item));
        } else {
            checks.push_back(std::move(item));
        }
    }
    std::vector<std::size_t> found(r.chain.certificates.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
        found[i] = i + 1;
    }
    return json{{"schema", check_cert_schema_id},
                {"ok", overall == check_status::ok},
                {"verdict", json_verdict(overall)},
                {"chain",
                 {{"file", r.chain.source},
                  {"encoding", std::string(probe::to_string(r.chain.encoding))},
                  {"certificates", certificates_json(r)},
                  {"order_found", found},
                  {"order_correct", one_based(r.order.path)},
                  {"unrelated", one_based(r.order.unrelated)},
                  {"skipped", r.chain.skipped}}},
                {"key_file", r.key_file.empty() ? json() : json(r.key_file)},
                {"policy_host", r.policy_host},
                {"domains", r.domains},
                {"names", r.names},
                {"checks", std::move(checks)},
                {"unchecked", std::move(unchecked)}};
}

std::string check_cert_to_text(const check_cert_report& r, bool colour) {
    std::ostringstream out;
    const char* reset = colour ? "\033[0m" : "";
    const check_status overall = policy::worst(r.checks);
    const auto& certs = r.chain.certificates;
    out << r.chain.source << "  " << probe::to_string(r.chain.encoding) << ", " << certs.size()
        << " certificate(s)  " << paint(colour, overall) << verdict_word(overall) << reset << "\n";
    if (!r.order.path.empty()) {
        const auto& leaf = certs[r.order.path.front()];
        out << "  leaf      " << leaf.subject << "\n";
        std::string names;
        for (const auto& n : leaf.san_dns) {
            names += (names.empty() ? "" : ", ") + n;
        }
        out << "  SAN       " << (names.empty() ? "(none)" : names) << "\n";
    }
    std::string checked;
    for (const auto& n : r.names) {
        checked += (checked.empty() ? "" : ", ") + n;
    }
    out << "  checked   "
        << (checked.empty() ? "no host names (give --domain or --mx)" : "for " + checked) << "\n";
    for (const auto& s : r.chain.skipped) {
        out << "  skipped   " << s << "\n";
    }
    std::size_t name_width = 0;
    for (const auto& c : r.checks) {
        name_width = std::max(name_width, c.name.size());
    }
    for (const auto& c : r.checks) {
        out << "  " << paint(colour, c.status) << pad(std::string(policy::to_string(c.status)), 7)
            << reset << " " << pad(c.name, name_width) << "  "
            << (c.subject.empty() ? "" : c.subject + ": ") << c.message << "\n";
    }
    return out.str();
}

exit_status check_cert_exit_status(const check_cert_report& r) {
    switch (policy::worst(r.checks)) {
    case check_status::ok:
        return exit_status::ok;
    case check_status::warn:
        return exit_status::warning;
    case check_status::fail:
        return exit_status::critical;
    case check_status::unknown:
        return exit_status::unknown;
    }
    return exit_status::unknown;
}

} // namespace mxprobe
