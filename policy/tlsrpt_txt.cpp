#include "policy/tlsrpt_txt.hpp"

#include "policy/abnf.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

using namespace abnf;

constexpr std::string_view tlsrpt_version_tag = "v=TLSRPTv1";

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_wsp(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_wsp(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Characters RFC 3986 allows in a URI outside percent-encoding (unreserved, gen-delims and
// sub-delims), minus "," ";" and "!" which RFC 8460 §3 requires to be %-encoded in rua.
bool is_uri_char(char c) {
    if (is_alpha(c) || is_digit(c)) {
        return true;
    }
    return std::string_view("-._~:/?#[]@$&'()*+=").find(c) != std::string_view::npos;
}

/// Why `uri` cannot receive reports, or nothing when it can.
std::optional<std::string> uri_problem(std::string_view uri) {
    if (uri.empty()) {
        return "empty URI";
    }
    for (std::size_t i = 0; i < uri.size(); ++i) {
        const char c = uri[i];
        if (c == '%') {
            if (i + 2 >= uri.size() || !is_hex(uri[i + 1]) || !is_hex(uri[i + 2])) {
                return "'%' not followed by two hex digits";
            }
            i += 2;
        } else if (is_wsp(c)) {
            return "contains whitespace (it must be %-encoded)";
        } else if (c == '!') {
            return "'!' must be %-encoded (RFC 8460 §3)";
        } else if (!is_uri_char(c)) {
            return std::string("character '") + c + "' is not allowed in a URI";
        }
    }
    const auto colon = uri.find(':');
    const auto scheme = uri.substr(0, colon == std::string_view::npos ? 0 : colon);
    const bool scheme_ok =
        !scheme.empty() && is_alpha(scheme.front()) &&
        std::all_of(scheme.begin(), scheme.end(), [](char c) {
            return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
        });
    if (!scheme_ok) {
        return "no URI scheme";
    }
    const auto rest = uri.substr(colon + 1);
    const auto s = lower(scheme); // schemes are case-insensitive (RFC 3986 §3.1)
    if (s == "mailto") {
        if (rest.find('@') == std::string_view::npos) {
            return "mailto: without an address";
        }
        return std::nullopt;
    }
    if (s == "https") {
        if (rest.size() < 3 || rest.substr(0, 2) != "//" || rest[2] == '/') {
            return "https: without a host";
        }
        return std::nullopt;
    }
    // Well-formed, but RFC 8460 defines only mailto: and https: (RPT-4).
    return "scheme '" + s + ":' is not mailto: or https:";
}

bool valid_extension_name(std::string_view name) {
    if (name.empty() || name.size() > 32 || !(is_alpha(name[0]) || is_digit(name[0]))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
    });
}

bool valid_extension_value(std::string_view value) {
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x21 && u <= 0x7e && c != '=' && c != ';';
    });
}

void add_rua(tlsrpt_record& record, std::string_view value) {
    std::size_t start = 0;
    while (true) {
        const auto comma = value.find(',', start);
        const auto uri = trim(value.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (auto problem = uri_problem(uri)) {
            record.rejected.push_back({std::string(uri), *problem});
        } else {
            record.rua.emplace_back(uri);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
}

tlsrpt_txt_result invalid_record(tlsrpt_txt_result r, std::string error) {
    r.valid = false;
    r.error = std::move(error);
    return r;
}

} // namespace

bool is_tlsrpt_record(std::string_view txt) {
    if (txt.substr(0, tlsrpt_version_tag.size()) != tlsrpt_version_tag) {
        return false;
    }
    const auto rest = txt.substr(tlsrpt_version_tag.size());
    return rest.empty() || rest.front() == ';' || is_wsp(rest.front());
}

tlsrpt_txt_result parse_tlsrpt_txt(std::string_view txt) {
    tlsrpt_txt_result r;
    if (txt.substr(0, tlsrpt_version_tag.size()) != tlsrpt_version_tag) {
        return invalid_record(std::move(r), "does not begin with v=TLSRPTv1 (case-sensitive)");
    }
    auto rest = txt.substr(tlsrpt_version_tag.size());
    if (!rest.empty() && !is_wsp(rest.front()) && rest.front() != ';') {
        return invalid_record(std::move(r), "version is not TLSRPTv1");
    }
    const auto after_version = trim(rest);
    if (after_version.empty()) {
        return invalid_record(std::move(r), "no rua= field");
    }
    if (after_version.front() != ';') {
        return invalid_record(std::move(r), "expected ';' after v=TLSRPTv1");
    }
    if (is_wsp(rest.front())) {
        // Fits the ABNF, but the "begins with v=TLSRPTv1;" filter of §3 would drop it.
        r.record.warnings.push_back("whitespace between v=TLSRPTv1 and ';': some senders "
                                    "ignore such a record");
    }
    rest = after_version.substr(1);

    int rua_fields = 0;
    std::size_t start = 0;
    while (start <= rest.size()) {
        const auto semi = rest.find(';', start);
        const bool last = semi == std::string_view::npos;
        const auto field = trim(rest.substr(start, last ? std::string_view::npos : semi - start));
        start = last ? rest.size() + 1 : semi + 1;
        if (field.empty()) {
            if (last) {
                break; // one trailing delimiter is allowed by the grammar
            }
            return invalid_record(std::move(r), "empty field (two ';' in a row)");
        }
        const auto eq = field.find('=');
        if (eq == std::string_view::npos) {
            return invalid_record(std::move(r), "field '" + std::string(field) + "' has no '='");
        }
        const auto name = field.substr(0, eq);
        const auto value = field.substr(eq + 1);
        if (name == "rua") {
            ++rua_fields;
            add_rua(r.record, value);
            continue;
        }
        if (!valid_extension_name(name)) {
            return invalid_record(std::move(r), "invalid field name '" + std::string(name) + "'");
        }
        if (!valid_extension_value(value)) {
            return invalid_record(std::move(r), "invalid value for field '" + std::string(name) + "'");
        }
        r.record.extensions.emplace_back(name, value);
    }

    if (rua_fields == 0) {
        return invalid_record(std::move(r), "no rua= field");
    }
    if (rua_fields > 1) {
        r.record.warnings.push_back("several rua= fields (use one, comma-separated)");
    }
    for (const auto& bad : r.record.rejected) {
        r.record.warnings.push_back("rua '" + bad.uri + "' unusable: " + bad.reason);
    }
    if (r.record.rua.empty()) {
        std::string why = "rua= lists no usable URI";
        if (!r.record.rejected.empty()) {
            why += " ('" + r.record.rejected.front().uri +
                   "': " + r.record.rejected.front().reason + ")";
        }
        return invalid_record(std::move(r), why);
    }
    r.valid = true;
    return r;
}

tlsrpt_txt_result select_tlsrpt_txt(const std::vector<std::string>& txts) {
    std::vector<const std::string*> candidates;
    for (const auto& t : txts) {
        if (is_tlsrpt_record(t)) {
            candidates.push_back(&t);
        }
    }
    if (candidates.empty()) {
        return invalid_record({}, "no v=TLSRPTv1 record");
    }
    if (candidates.size() > 1) {
        return invalid_record({}, std::to_string(candidates.size()) +
                            " v=TLSRPTv1 records: RFC 8460 §3 says the domain then has none");
    }
    return parse_tlsrpt_txt(*candidates.front());
}

void to_json(nlohmann::json& j, const tlsrpt_rejected_uri& r) {
    j = {{"uri", r.uri}, {"reason", r.reason}};
}

void to_json(nlohmann::json& j, const tlsrpt_record& r) {
    j = {{"rua", r.rua}, {"rejected", r.rejected}, {"warnings", r.warnings}};
    auto& ext = j["extensions"] = nlohmann::json::object();
    for (const auto& [name, value] : r.extensions) {
        ext[name] = value;
    }
}

void to_json(nlohmann::json& j, const tlsrpt_txt_result& r) {
    j = {{"valid", r.valid}, {"record", r.record}};
    if (!r.valid) {
        j["error"] = r.error;
    }
}

} // namespace policy
