// Reading the report JSON into plain structs. Tolerant where real reporters differ from
// RFC 8460 (RPT-20), strict where a wrong value would corrupt the sums: counts, policy type.
// Every error and note names the JSON path of the value concerned.

#include "policy/tlsrpt_report.hpp"

#include "policy/tlsrpt_unwrap.hpp"

#include <stdexcept>
#include <unordered_set>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

using json = nlohmann::json;

/// A defect that makes the report unusable; caught once, at the top.
struct report_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
    throw report_error(path + ": " + what);
}

std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string indexed(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

std::string shown(const json& value) {
    const auto text = value.dump();
    return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

const json* member(const json& object, std::string_view key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

const json& require_object(const json& parent, std::string_view key, const std::string& path) {
    const json* v = member(parent, key);
    if (v == nullptr) {
        fail(join(path, key), "missing");
    }
    if (!v->is_object()) {
        fail(join(path, key), "expected an object, got " + shown(*v));
    }
    return *v;
}

std::optional<std::string> optional_string(const json& object, std::string_view key,
                                           const std::string& path) {
    const json* v = member(object, key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        fail(join(path, key), "expected a string, got " + shown(*v));
    }
    return v->get<std::string>();
}

std::string required_string(const json& object, std::string_view key, const std::string& path) {
    auto s = optional_string(object, key, path);
    if (!s) {
        fail(join(path, key), "missing");
    }
    return *s;
}

std::optional<std::uint64_t> optional_count(const json& object, std::string_view key,
                                            const std::string& path) {
    const json* v = member(object, key);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_number_unsigned()) {
        return v->get<std::uint64_t>();
    }
    if (v->is_number_integer()) {
        fail(join(path, key), std::to_string(v->get<std::int64_t>()) + " is negative");
    }
    if (v->is_number_float()) {
        fail(join(path, key), shown(*v) + " is not an integer");
    }
    fail(join(path, key), "expected a non-negative integer, got " + shown(*v));
}

/// Members not in `known`, kept as JSON text.
tlsrpt_extra_members extras(const json& object, std::initializer_list<std::string_view> known) {
    tlsrpt_extra_members out;
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (std::find(known.begin(), known.end(), it.key()) == known.end()) {
            out.emplace_back(it.key(), it->dump());
        }
    }
    return out;
}

std::vector<std::string> string_list(const json& v, const std::string& path) {
    if (v.is_string()) {
        return {v.get<std::string>()};
    }
    if (!v.is_array()) {
        fail(path, "expected a string or an array of strings, got " + shown(v));
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) {
            fail(indexed(path, i), "expected a string, got " + shown(v[i]));
        }
        out.push_back(v[i].get<std::string>());
    }
    return out;
}

class reader {
  public:
    tlsrpt_report read(const json& root) {
        if (!root.is_object()) {
            fail("(root)", "expected an object, got " + shown(root));
        }
        report_.organization_name = required_string(root, "organization-name", "");
        report_.report_id = required_string(root, "report-id", "");
        if (auto contact = optional_string(root, "contact-info", "")) {
            report_.contact_info = *contact;
        } else {
            report_.notes.push_back("contact-info: missing");
        }
        const json& range = require_object(root, "date-range", "");
        report_.start = date(range, "start-datetime");
        report_.end = date(range, "end-datetime");
        if (report_.end <= report_.start) {
            report_.notes.push_back("date-range: end-datetime is not after start-datetime");
        }
        const json* policies = member(root, "policies");
        if (policies == nullptr) {
            fail("policies", "missing");
        }
        if (!policies->is_array()) {
            fail("policies", "expected an array, got " + shown(*policies));
        }
        for (std::size_t i = 0; i < policies->size(); ++i) {
            report_.policies.push_back(policy((*policies)[i], indexed("policies", i)));
        }
        report_.extra = extras(
            root, {"organization-name", "date-range", "contact-info", "report-id", "policies"});
        return std::move(report_);
    }

  private:
    std::int64_t date(const json& range, std::string_view key) {
        const auto path = join("date-range", key);
        const auto text = required_string(range, key, "date-range");
        bool zone_missing = false;
        const auto seconds = parse_rfc3339(text, &zone_missing);
        if (!seconds) {
            fail(path, "\"" + text + "\" is not an RFC 3339 date-time");
        }
        if (zone_missing) {
            report_.notes.push_back(path + ": no time zone, read as UTC");
        }
        return *seconds;
    }

    tlsrpt_policy policy(const json& entry, const std::string& path) {
        if (!entry.is_object()) {
            fail(path, "expected an object, got " + shown(entry));
        }
        tlsrpt_policy p;
        const auto ppath = join(path, "policy");
        const json& pol = require_object(entry, "policy", path);
        p.policy_type = required_string(pol, "policy-type", ppath);
        if (!is_known_policy_type(p.policy_type)) {
            report_.notes.push_back(join(ppath, "policy-type") + ": unknown type \"" +
                                    p.policy_type + "\" (kept)");
        }
        if (const json* s = member(pol, "policy-string")) {
            p.policy_string = policy_string(*s, join(ppath, "policy-string"));
        }
        if (auto domain = optional_string(pol, "policy-domain", ppath)) {
            p.policy_domain = *domain;
        } else {
            report_.notes.push_back(join(ppath, "policy-domain") + ": missing");
        }
        if (const json* mx = member(pol, "mx-host")) {
            p.mx_host = string_list(*mx, join(ppath, "mx-host")); // RPT-20: string or array
        }
        p.extra = extras(pol, {"policy-type", "policy-string", "policy-domain", "mx-host"});

        const auto spath = join(path, "summary");
        const json& summary = require_object(entry, "summary", path);
        p.total_successful_session_count =
            summary_count(summary, "total-successful-session-count", spath);
        p.total_failure_session_count =
            summary_count(summary, "total-failure-session-count", spath);

        std::uint64_t detailed = 0;
        if (const json* details = member(entry, "failure-details")) {
            const auto dpath = join(path, "failure-details");
            if (!details->is_array()) {
                fail(dpath, "expected an array, got " + shown(*details));
            }
            for (std::size_t i = 0; i < details->size(); ++i) {
                p.failure_details.push_back(detail((*details)[i], indexed(dpath, i)));
                if (__builtin_add_overflow(detailed, p.failure_details.back().failed_session_count,
                                           &detailed)) {
                    fail(indexed(dpath, i), "failed-session-counts overflow");
                }
            }
        }
        if (!p.failure_details.empty() && detailed != p.total_failure_session_count) {
            p.totals_mismatch = true;
            report_.notes.push_back(path + ": failure-details add up to " +
                                    std::to_string(detailed) + " sessions, " +
                                    "summary.total-failure-session-count is " +
                                    std::to_string(p.total_failure_session_count));
        }
        return p;
    }

    std::uint64_t summary_count(const json& summary, std::string_view key,
                                const std::string& path) {
        if (auto n = optional_count(summary, key, path)) {
            return *n;
        }
        report_.notes.push_back(join(path, key) + ": missing, read as 0");
        return 0;
    }

    // A TLSA policy-string is sometimes sent as one string holding a JSON-encoded array;
    // unpack it so each RR is its own entry again (RPT-17).
    std::vector<std::string> policy_string(const json& v, const std::string& path) {
        auto lines = string_list(v, path);
        if (lines.size() == 1 && !lines[0].empty() && lines[0].front() == '[') {
            const json inner = json::parse(lines[0], nullptr, false);
            if (inner.is_array() && std::all_of(inner.begin(), inner.end(),
                                                [](const json& e) { return e.is_string(); })) {
                report_.notes.push_back(path + ": one JSON-encoded array, unpacked");
                return inner.get<std::vector<std::string>>();
            }
        }
        return lines;
    }

    tlsrpt_failure_detail detail(const json& entry, const std::string& path) {
        if (!entry.is_object()) {
            fail(path, "expected an object, got " + shown(entry));
        }
        tlsrpt_failure_detail d;
        d.result_type = required_string(entry, "result-type", path);
        if (!is_known_result_type(d.result_type)) {
            report_.notes.push_back(join(path, "result-type") + ": unknown type \"" +
                                    d.result_type + "\" (kept)");
        }
        auto count = optional_count(entry, "failed-session-count", path);
        if (!count) {
            fail(join(path, "failed-session-count"), "missing");
        }
        d.failed_session_count = *count;
        d.sending_mta_ip = optional_string(entry, "sending-mta-ip", path);
        d.receiving_mx_hostname = optional_string(entry, "receiving-mx-hostname", path);
        if (!d.receiving_mx_hostname) {
            // A misspelling seen from one real reporter.
            d.receiving_mx_hostname = optional_string(entry, "receiving-mx-host-name", path);
            if (d.receiving_mx_hostname) {
                report_.notes.push_back(join(path, "receiving-mx-host-name") +
                                        ": read as receiving-mx-hostname");
            }
        }
        d.receiving_mx_helo = optional_string(entry, "receiving-mx-helo", path);
        d.receiving_ip = optional_string(entry, "receiving-ip", path);
        d.additional_information = optional_string(entry, "additional-information", path);
        d.failure_reason_code = optional_string(entry, "failure-reason-code", path);
        d.extra =
            extras(entry, {"result-type", "failed-session-count", "sending-mta-ip",
                           "receiving-mx-hostname", "receiving-mx-host-name", "receiving-mx-helo",
                           "receiving-ip", "additional-information", "failure-reason-code"});
        return d;
    }

    tlsrpt_report report_;
};

/// Bounds nesting and rejects duplicate member names (I-JSON, RPT-21) while parsing, before
/// any value is built from a hostile document. It tracks where it is, so that a document
/// nested too deeply is refused with the path of the container that went too deep.
class parse_guard {
  public:
    explicit parse_guard(int max_depth) : max_depth_(max_depth) {}

    bool operator()(int depth, json::parse_event_t event, json& parsed) {
        switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
            enter_element();
            if (depth >= max_depth_) {
                const std::string where = path();
                throw report_error((where.empty() ? "" : where + ": ") +
                                   "JSON nested deeper than " + std::to_string(max_depth_) +
                                   " levels");
            }
            frames_.push_back({event == json::parse_event_t::array_start, 0, {}, {}});
            break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
            frames_.pop_back();
            break;
        case json::parse_event_t::key: {
            auto& frame = frames_.back();
            frame.key = parsed.get<std::string>();
            if (!frame.keys.insert(frame.key).second) {
                throw report_error("duplicate member \"" + frame.key + "\" (I-JSON, RFC 7493)");
            }
            break;
        }
        case json::parse_event_t::value:
            enter_element();
            break;
        }
        return true;
    }

  private:
    struct frame {
        bool is_array = false;
        std::size_t elements = 0; ///< array elements begun so far
        std::string key;          ///< the member being read, in an object
        std::unordered_set<std::string> keys;
    };

    void enter_element() {
        if (!frames_.empty() && frames_.back().is_array) {
            ++frames_.back().elements;
        }
    }

    // In the notation of the reader's errors: policies[0].failure-details[2].
    std::string path() const {
        std::string out;
        for (const auto& f : frames_) {
            if (f.is_array) {
                out = indexed(out, f.elements - 1);
            } else {
                out = join(out, f.key.size() > 40 ? f.key.substr(0, 37) + "..." : f.key);
            }
        }
        return out;
    }

    int max_depth_;
    std::vector<frame> frames_;
};

std::string too_large(std::size_t size, std::size_t limit) {
    return "the report is " + std::to_string(size) + " bytes, over the limit of " +
           std::to_string(limit) + " bytes";
}

// The JSON text is already bounded: by max_input, or by max_decompressed after gunzip.
tlsrpt_parse_result parse_json_text(std::string_view text, int max_depth) {
    tlsrpt_parse_result out;
    try {
        parse_guard guard(max_depth);
        const json root = json::parse(text.begin(), text.end(), std::ref(guard));
        out.report = reader().read(root);
    } catch (const report_error& e) {
        out.error = e.what();
    } catch (const json::exception& e) {
        // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
        const std::string what = e.what();
        const auto cut = what.find("] ");
        out.error = "JSON: " + (cut == std::string::npos ? what : what.substr(cut + 2));
    }
    return out;
}

} // namespace

tlsrpt_parse_result parse_tlsrpt_json(std::string_view text, const tlsrpt_limits& limits) {
    if (text.size() > limits.max_input) {
        return {std::nullopt, too_large(text.size(), limits.max_input), {}};
    }
    return parse_json_text(text, limits.max_depth);
}

tlsrpt_parse_result parse_tlsrpt_report(std::string_view bytes, const tlsrpt_limits& limits) {
    if (bytes.size() > limits.max_input) {
        return {std::nullopt, too_large(bytes.size(), limits.max_input), {}};
    }
    auto unwrapped = unwrap_tlsrpt(bytes, limits.max_decompressed);
    if (!unwrapped.error.empty()) {
        return {std::nullopt, unwrapped.error, {}};
    }
    auto result = parse_json_text(unwrapped.json, limits.max_depth);
    if (result.report) {
        result.report->container = unwrapped.container;
        result.json_text = std::move(unwrapped.json);
    } else if (unwrapped.container != "json") {
        result.error = unwrapped.container + ": " + result.error;
    }
    return result;
}

} // namespace policy
