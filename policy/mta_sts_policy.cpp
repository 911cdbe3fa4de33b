#include "policy/mta_sts_policy.hpp"

#include "policy/abnf.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace policy {

namespace {

using namespace abnf;

constexpr std::size_t max_policy_ext_name_length = 32;
constexpr std::size_t max_label_length = 63;
constexpr std::size_t max_domain_length = 253;

bool is_non_ascii(char c) {
    return static_cast<unsigned char>(c) > 0x7F;
}
// ext-value's vchar: printable ASCII, or any byte of a UTF-8 multibyte sequence. We do not
// check that those bytes form valid UTF-8: extension values are ignored anyway.
bool is_vchar(char c) {
    return (c >= 0x21 && c <= 0x7E) || is_non_ascii(c);
}

// RFC 5321 sub-domain = Let-dig [Ldh-str]: letters, digits and inner hyphens.
std::string check_label(std::string_view label, std::string_view pattern) {
    if (label.empty()) {
        return "mx " + in_quotes(pattern) + " has an empty label";
    }
    if (label.find('*') != std::string_view::npos) {
        return "mx " + in_quotes(pattern) + " has a '*' other than a leading '*.'";
    }
    if (label.size() > max_label_length) {
        return "mx " + in_quotes(pattern) + " has a label longer than 63 characters";
    }
    for (char c : label) {
        if (!is_alnum(c) && c != '-') {
            return "mx " + in_quotes(pattern) + " has " + in_quotes(std::string(1, c)) +
                   ", not a letter, digit or hyphen";
        }
    }
    if (label.front() == '-' || label.back() == '-') {
        return "mx " + in_quotes(pattern) + " has a label that begins or ends with a hyphen";
    }
    return {};
}

// mx = ["*."] Domain (STS-17). Returns why the pattern is bad, or nothing.
std::string check_mx_pattern(std::string_view pattern) {
    if (pattern.empty()) {
        return "mx has no value";
    }
    if (std::any_of(pattern.begin(), pattern.end(), is_non_ascii)) {
        return "mx " + in_quotes(pattern) +
               " is not ASCII; IDN names must be written as A-labels "
               "(xn--...)";
    }
    if (std::any_of(pattern.begin(), pattern.end(), [](char c) { return c == ',' || is_wsp(c); })) {
        return "mx " + in_quotes(pattern) + " holds more than one name; write one mx line each";
    }
    std::string_view domain = pattern;
    if (domain.substr(0, 2) == "*.") {
        domain.remove_prefix(2);
    }
    if (!domain.empty() && domain.back() == '.') {
        domain.remove_suffix(1); // noted by the caller; matching ignores it as well
    }
    if (domain.empty()) {
        return "mx " + in_quotes(pattern) + " has no domain";
    }
    if (domain.size() > max_domain_length) {
        return "mx " + in_quotes(pattern) + " is longer than 253 characters";
    }
    std::size_t start = 0;
    while (true) {
        const auto dot = domain.find('.', start);
        const auto label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (auto why = check_label(label, pattern); !why.empty()) {
            return why;
        }
        if (dot == std::string_view::npos) {
            return {};
        }
        start = dot + 1;
    }
}

// ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
std::string check_ext_name(std::string_view name) {
    if (name.empty()) {
        return "a line has no key before ':'";
    }
    if (!is_alnum(name.front())) {
        return "key " + in_quotes(name) + " does not begin with a letter or digit";
    }
    if (name.size() > max_policy_ext_name_length) {
        return "key " + in_quotes(name) + " is longer than 32 characters";
    }
    for (char c : name) {
        if (is_wsp(c)) {
            return "space before ':' after key " + in_quotes(name.substr(0, name.find(c)));
        }
        if (!is_alnum(c) && c != '_' && c != '-' && c != '.') {
            return "key " + in_quotes(name) +
                   " has a character other than a letter, digit, '_', '-' or '.'";
        }
    }
    return {};
}

// ext-value = vchar [*(%x20 / vchar) vchar]; trailing WSP is already stripped.
std::string check_ext_value(std::string_view name, std::string_view value) {
    if (value.empty()) {
        return "key " + in_quotes(name) + " has an empty value";
    }
    for (char c : value) {
        if (!is_vchar(c) && c != ' ') {
            return "key " + in_quotes(name) + " has a control character or tab in its value";
        }
    }
    return {};
}

std::optional<sts_mode> mode_from(std::string_view v) {
    if (v == "enforce") {
        return sts_mode::enforce;
    }
    if (v == "testing") {
        return sts_mode::testing;
    }
    if (v == "none") {
        return sts_mode::none;
    }
    return std::nullopt;
}

std::string check_max_age(std::string_view v, std::uint32_t& out) {
    if (v.empty() || v.size() > 10 ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return "max_age " + in_quotes(v) + " is not 1 to 10 digits";
    }
    std::uint64_t n = 0;
    for (char c : v) {
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (n > max_sts_max_age) {
        return "max_age " + std::string(v) + " is over 31557600 (about a year)";
    }
    out = static_cast<std::uint32_t>(n);
    return {};
}

// Keys we know differ from a policy key only in case: a typo that silently drops the field.
std::string case_hint(std::string_view key) {
    for (std::string_view known : {"version", "mode", "max_age", "mx"}) {
        if (key.size() == known.size() && key != known &&
            std::equal(key.begin(), key.end(), known.begin(),
                       [](char a, char b) { return (a | 0x20) == (b | 0x20); })) {
            return " (keys are case-sensitive; did you mean " + in_quotes(known) + "?)";
        }
    }
    return {};
}

struct line_parser {
    sts_policy& out;
    std::size_t version_line = 0, mode_line = 0, max_age_line = 0;
    std::string hints; // case typos seen, added to "missing" errors

    void repeated(std::size_t n, std::string_view key, std::string_view value, std::size_t first) {
        out.notes.push_back("line " + std::to_string(n) + ": repeated '" + std::string(key) + ": " +
                            std::string(value) + "' ignored; line " + std::to_string(first) +
                            " applies (RFC 8461 §3.2: first wins)");
    }

    // Returns the error of this line, if any.
    std::string line(std::size_t n, std::string_view text) {
        const auto colon = text.find(':');
        if (colon == std::string_view::npos) {
            return in_quotes(text) + " is not 'key: value'";
        }
        const std::string_view key = text.substr(0, colon);
        std::string_view value = text.substr(colon + 1);
        while (!value.empty() && is_wsp(value.front())) {
            value.remove_prefix(1);
        }
        while (!value.empty() && is_wsp(value.back())) {
            value.remove_suffix(1);
        }
        if (key == "version") {
            if (version_line != 0) {
                repeated(n, key, value, version_line);
            } else if (value != "STSv1") {
                return "version " + in_quotes(value) + " is not STSv1";
            } else {
                version_line = n;
                out.version = std::string(value);
            }
        } else if (key == "mode") {
            if (mode_line != 0) {
                repeated(n, key, value, mode_line);
            } else if (auto m = mode_from(value)) {
                mode_line = n;
                out.mode = m;
            } else {
                return "mode " + in_quotes(value) + " is not enforce, testing or none";
            }
        } else if (key == "max_age") {
            std::uint32_t age = 0;
            if (max_age_line != 0) {
                repeated(n, key, value, max_age_line);
            } else if (auto why = check_max_age(value, age); !why.empty()) {
                return why;
            } else {
                max_age_line = n;
                out.max_age = age;
            }
        } else if (key == "mx") {
            if (auto why = check_mx_pattern(value); !why.empty()) {
                return why;
            }
            if (value.back() == '.') {
                out.notes.push_back("line " + std::to_string(n) + ": mx " + in_quotes(value) +
                                    " ends in a dot, which RFC 5321 names do not; matched "
                                    "without it");
            }
            if (std::find(out.mx.begin(), out.mx.end(), value) != out.mx.end()) {
                out.notes.push_back("line " + std::to_string(n) + ": mx " + in_quotes(value) +
                                    " is listed twice");
            }
            out.mx.emplace_back(value);
        } else {
            if (auto why = check_ext_name(key); !why.empty()) {
                return why;
            }
            if (auto why = check_ext_value(key, value); !why.empty()) {
                return why;
            }
            const std::string hint = case_hint(key);
            hints += hint;
            out.notes.push_back("line " + std::to_string(n) + ": unknown key " + in_quotes(key) +
                                " ignored" + hint);
        }
        return {};
    }

    std::string missing() const {
        if (version_line == 0) {
            return "no version line (required)" + hints;
        }
        if (mode_line == 0) {
            return "no mode line (required)" + hints;
        }
        if (max_age_line == 0) {
            return "no max_age line (required)" + hints;
        }
        if (out.mx.empty() && out.mode != sts_mode::none) {
            return "no mx line; mode " + std::string(to_string(*out.mode)) + " needs at least one" +
                   hints;
        }
        return {};
    }
};

} // namespace

std::string_view to_string(sts_mode m) {
    switch (m) {
    case sts_mode::enforce:
        return "enforce";
    case sts_mode::testing:
        return "testing";
    case sts_mode::none:
        return "none";
    }
    return "none";
}

sts_policy parse_sts_policy(std::string_view body) {
    sts_policy out;
    if (body.size() > max_sts_policy_bytes) {
        out.error =
            "the policy is " + std::to_string(body.size()) + " bytes, over the 64 KiB limit";
        return out;
    }
    line_parser parser{out, 0, 0, 0, {}};
    std::size_t n = 0;
    while (!body.empty()) {
        ++n;
        const auto lf = body.find('\n');
        std::string_view text = body.substr(0, lf);
        body = lf == std::string_view::npos ? std::string_view{} : body.substr(lf + 1);
        if (!text.empty() && text.back() == '\r') {
            text.remove_suffix(1); // CRLF and LF are both terminators (STS-19)
        }
        if (text.find('\r') != std::string_view::npos) {
            out.error = "line " + std::to_string(n) + ": carriage return inside the line";
            return out;
        }
        if (text.empty()) {
            // The grammar has no blank lines, but they carry no field and senders skip
            // them; calling the policy invalid for one would overstate the defect.
            out.notes.push_back("line " + std::to_string(n) + " is blank; ignored");
            continue;
        }
        if (auto why = parser.line(n, text); !why.empty()) {
            out.error = "line " + std::to_string(n) + ": " + why;
            return out;
        }
    }
    out.error = parser.missing();
    return out;
}

void to_json(nlohmann::json& j, const sts_policy& p) {
    j = nlohmann::json{{"valid", p.valid()}};
    if (!p.version.empty()) {
        j["version"] = p.version;
    }
    if (p.mode) {
        j["mode"] = to_string(*p.mode);
    }
    j["mx"] = p.mx;
    if (p.max_age) {
        j["max_age"] = *p.max_age;
    }
    if (!p.notes.empty()) {
        j["notes"] = p.notes;
    }
    if (!p.error.empty()) {
        j["error"] = p.error;
    }
}

} // namespace policy
