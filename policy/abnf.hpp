#pragma once
// The character classes of RFC 5234's core rules, as the TXT record and policy parsers use
// them (ASCII only, locale-free), and how a parse error quotes what it found.

#include <string>
#include <string_view>

namespace policy::abnf {

constexpr bool is_wsp(char c) {
    return c == ' ' || c == '\t';
}
constexpr bool is_alpha(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_alnum(char c) {
    return is_alpha(c) || is_digit(c);
}
constexpr bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// `s` in single quotes, for error messages.
inline std::string in_quotes(std::string_view s) {
    return "'" + std::string(s) + "'";
}

} // namespace policy::abnf
