#include "probe/smtp_reply.hpp"

#include <algorithm>
#include <cctype>

namespace probe {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

// "2.1.5 text" → "2.1.5" (RFC 3463: class.subject.detail, class 2/4/5, up to 3 digits each).
std::string enhanced_status_of(std::string_view text) {
    const auto end = text.find(' ');
    const std::string_view token = text.substr(0, end);
    if (token.size() < 5 || (token[0] != '2' && token[0] != '4' && token[0] != '5') ||
        token[1] != '.') {
        return {};
    }
    int dots = 0;
    std::size_t run = 0;
    for (std::size_t i = 1; i < token.size(); ++i) {
        if (token[i] == '.') {
            if (run == 0 && i > 1) {
                return {};
            }
            ++dots;
            run = 0;
        } else if (is_digit(token[i]) && ++run <= 3) {
            continue;
        } else {
            return {};
        }
    }
    return dots == 2 && run > 0 ? std::string(token) : std::string();
}

} // namespace

std::string smtp_reply::text() const {
    std::string out;
    for (const auto& l : lines) {
        out += (out.empty() ? "" : " / ") + l;
    }
    return out;
}

std::string_view to_string(reply_error e) {
    switch (e) {
    case reply_error::none:
        return "none";
    case reply_error::line_too_long:
        return "reply line too long";
    case reply_error::too_many_lines:
        return "too many lines in one reply";
    case reply_error::too_many_bytes:
        return "reply too large";
    case reply_error::bad_code:
        return "malformed reply code";
    case reply_error::bad_separator:
        return "malformed reply line (no ' ' or '-' after the code)";
    case reply_error::code_changed:
        return "reply code changed inside a multi-line reply";
    }
    return "unknown";
}

std::size_t reply_reader::feed(std::string_view bytes) {
    std::size_t used = 0;
    while (used < bytes.size() && !complete_ && error_ == reply_error::none) {
        const char c = bytes[used++];
        if (++bytes_ > limits_.max_bytes) {
            error_ = reply_error::too_many_bytes;
            break;
        }
        if (c == '\n') {
            finish_line();
            continue;
        }
        // The limit counts the whole line as RFC 5321 §4.5.3.1.5 does, CR LF included: this
        // octet plus the LF still to come must fit.
        if (line_.size() + 2 > limits_.max_line_length) {
            error_ = reply_error::line_too_long;
            break;
        }
        line_.push_back(c);
    }
    return used;
}

void reply_reader::finish_line() {
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    } else {
        reply_.bare_lf = true;
    }
    // SMTP-1: first digit 2-5, second 0-5, third 0-9.
    if (line.size() < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
        !is_digit(line[2])) {
        error_ = reply_error::bad_code;
        return;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    // SMTP-5: continuation is decided by the fourth character alone.
    const char separator = line.size() > 3 ? line[3] : ' ';
    if (separator != ' ' && separator != '-') {
        error_ = reply_error::bad_separator;
        return;
    }
    if (reply_.lines.empty()) {
        reply_.code = code;
    } else if (reply_.code != code) {
        error_ = reply_error::code_changed;
        return;
    }
    reply_.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
    if (reply_.lines.size() == 1) {
        reply_.enhanced_status = enhanced_status_of(reply_.lines.front());
    }
    if (separator == ' ') {
        complete_ = true;
    } else if (reply_.lines.size() >= limits_.max_lines) {
        error_ = reply_error::too_many_lines;
    }
}

void reply_reader::reset() {
    line_.clear();
    bytes_ = 0;
    reply_ = smtp_reply{};
    complete_ = false;
    error_ = reply_error::none;
}

std::vector<std::string> ehlo_keywords(const smtp_reply& reply) {
    std::vector<std::string> out;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string& line = reply.lines[i];
        const auto space = line.find(' ');
        std::string keyword = upper(line.substr(0, space));
        if (keyword.empty()) {
            continue;
        }
        out.push_back(space == std::string::npos ? keyword : keyword + line.substr(space));
    }
    return out;
}

bool has_ehlo_keyword(const smtp_reply& reply, std::string_view keyword) {
    const std::string wanted = upper(keyword);
    for (const std::string& k : ehlo_keywords(reply)) {
        if (k == wanted || k.rfind(wanted + " ", 0) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace probe
