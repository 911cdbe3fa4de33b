#include "policy/mta_sts_txt.hpp"

#include "policy/abnf.hpp"

#include <nlohmann/json.hpp>

namespace policy {

namespace {

using namespace abnf;

constexpr std::string_view version_tag = "v=STSv1";
constexpr std::size_t max_id_length = 32;
constexpr std::size_t max_ext_name_length = 32;

// sts-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): printable ASCII except "=" and ";".
bool is_ext_value_char(char c) {
    return c >= 0x21 && c <= 0x7E && c != '=' && c != ';';
}

// Tells apart `v=STSv1`, `v=STSv1;...` and `v=STSv1 ;...` (all MTA-STS records) from
// `v=STSv12;...`, which only shares the prefix and is some other record.
bool begins_with_version(std::string_view record) {
    if (record.substr(0, version_tag.size()) != version_tag) {
        return false;
    }
    return record.size() == version_tag.size() || record[version_tag.size()] == ';' ||
           is_wsp(record[version_tag.size()]);
}

std::string check_id(std::string_view id) {
    if (id.empty()) {
        return "id is empty";
    }
    if (id.size() > max_id_length) {
        return "id " + in_quotes(id) + " has " + std::to_string(id.size()) +
               " characters, more than 32";
    }
    for (char c : id) {
        if (!is_alnum(c)) {
            return "id " + in_quotes(id) + " has a character other than a letter or digit";
        }
    }
    return {};
}

std::string check_extension(std::string_view name, std::string_view value) {
    if (name.empty()) {
        return "a field has no name before '='";
    }
    if (!is_alnum(name.front())) {
        return "extension name " + in_quotes(name) + " does not begin with a letter or digit";
    }
    if (name.size() > max_ext_name_length) {
        return "extension name " + in_quotes(name) + " is longer than 32 characters";
    }
    for (char c : name) {
        if (!is_alnum(c) && c != '_' && c != '-' && c != '.') {
            return "extension name " + in_quotes(name) +
                   " has a character other than a letter, digit, '_', '-' or '.'";
        }
    }
    if (value.empty()) {
        return "extension " + in_quotes(name) + " has an empty value";
    }
    for (char c : value) {
        if (!is_ext_value_char(c)) {
            return "extension " + in_quotes(name) + " has value " + in_quotes(value) +
                   " with a character that is not printable ASCII or is '='";
        }
    }
    return {};
}

// Walks `sts-version 1*(sts-field-delim sts-field) [sts-field-delim]`. Fields run up to the
// next WSP or ";", so whatever follows a field must be a delimiter or the end.
std::string parse_fields(std::string_view rest, sts_txt_record& out) {
    bool have_id = false;
    bool fields_seen = false;
    std::string id_like_key; // a key that reads "id" in another case, for the error hint
    std::size_t i = 0;
    while (true) {
        std::size_t p = i;
        while (p < rest.size() && is_wsp(rest[p])) {
            ++p;
        }
        if (p == rest.size()) {
            if (p != i) {
                return "space after the last field (only '; ' may end the record)";
            }
            break;
        }
        if (rest[p] != ';') {
            return "expected ';' before " + in_quotes(rest.substr(p));
        }
        ++p;
        while (p < rest.size() && is_wsp(rest[p])) {
            ++p;
        }
        if (p == rest.size()) {
            break; // a trailing delimiter is allowed
        }
        if (rest[p] == ';') {
            return "empty field between two ';'";
        }
        std::size_t end = p;
        while (end < rest.size() && rest[end] != ';' && !is_wsp(rest[end])) {
            ++end;
        }
        const std::string_view field = rest.substr(p, end - p);
        i = end;
        fields_seen = true;
        const auto eq = field.find('=');
        if (eq == std::string_view::npos) {
            return "field " + in_quotes(field) + " has no '='";
        }
        const std::string_view key = field.substr(0, eq);
        const std::string_view value = field.substr(eq + 1);
        if (key == "id") {
            // Two ids leave the sender no single value to compare with its cache (STS-27).
            if (have_id) {
                return "id appears twice";
            }
            if (auto why = check_id(value); !why.empty()) {
                return why;
            }
            have_id = true;
            out.id = std::string(value);
            continue;
        }
        if (auto why = check_extension(key, value); !why.empty()) {
            return why;
        }
        if (key.size() == 2 && (key[0] == 'i' || key[0] == 'I') &&
            (key[1] == 'd' || key[1] == 'D')) {
            id_like_key = std::string(key);
        }
        out.extensions.emplace_back(key, value);
    }
    if (!fields_seen) {
        return "no id field after v=STSv1";
    }
    if (!have_id) {
        return id_like_key.empty()
                   ? std::string("no id field")
                   : "no id field (keys are case-sensitive: found " + in_quotes(id_like_key) + ")";
    }
    return {};
}

} // namespace

std::string_view to_string(sts_txt_status s) {
    switch (s) {
    case sts_txt_status::valid:
        return "valid";
    case sts_txt_status::no_record:
        return "no-record";
    case sts_txt_status::several:
        return "several";
    case sts_txt_status::invalid:
        return "invalid";
    }
    return "invalid";
}

sts_txt_record parse_sts_txt_record(std::string_view record) {
    sts_txt_record out;
    out.raw = std::string(record);
    out.status = sts_txt_status::invalid;
    for (char c : record) {
        if (static_cast<unsigned char>(c) > 0x7F) {
            out.error = "the record is not US-ASCII";
            return out;
        }
    }
    if (!begins_with_version(record)) {
        out.error = "the record does not begin with v=STSv1 (case-sensitive)";
        return out;
    }
    out.error = parse_fields(record.substr(version_tag.size()), out);
    if (out.error.empty()) {
        out.status = sts_txt_status::valid;
    } else {
        out.id.clear();
        out.extensions.clear();
    }
    return out;
}

sts_txt_record parse_sts_txt(const std::vector<std::string>& txt_records) {
    sts_txt_record out;
    for (const auto& r : txt_records) {
        if (begins_with_version(r)) {
            out.candidates.push_back(r);
        } else {
            ++out.discarded;
        }
    }
    if (out.candidates.empty()) {
        out.status = sts_txt_status::no_record;
        return out;
    }
    if (out.candidates.size() > 1) {
        out.status = sts_txt_status::several;
        out.error = std::to_string(out.candidates.size()) +
                    " TXT records begin with v=STSv1; exactly one is allowed";
        return out;
    }
    sts_txt_record one = parse_sts_txt_record(out.candidates.front());
    one.candidates = std::move(out.candidates);
    one.discarded = out.discarded;
    return one;
}

void to_json(nlohmann::json& j, const sts_txt_record& r) {
    j = nlohmann::json{{"status", to_string(r.status)}};
    if (!r.raw.empty()) {
        j["raw"] = r.raw;
    }
    if (!r.id.empty()) {
        j["id"] = r.id;
    }
    if (!r.extensions.empty()) {
        auto& ext = j["extensions"] = nlohmann::json::array();
        for (const auto& [name, value] : r.extensions) {
            ext.push_back({{"name", name}, {"value", value}});
        }
    }
    if (r.candidates.size() > 1) {
        j["candidates"] = r.candidates;
    }
    j["discarded"] = r.discarded;
    if (!r.error.empty()) {
        j["error"] = r.error;
    }
}

} // namespace policy
