#include "tests/browser/dom_query.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

namespace mxprobe_test {

namespace {

// Elements that have no end tag.
bool is_void(const std::string& tag) {
    static const std::vector<std::string> v = {"area",   "base",  "br",    "col",  "embed",
                                               "hr",     "img",   "input", "link", "meta",
                                               "source", "track", "wbr"};
    return std::find(v.begin(), v.end(), tag) != v.end();
}

bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == ':';
}

// Whether html[at..] starts the tag `<tag` (not a longer name such as <tbody for <tb).
bool starts_tag(const std::string& html, std::size_t at, const std::string& tag) {
    return html.compare(at, tag.size() + 1, "<" + tag) == 0 &&
           (at + tag.size() + 1 >= html.size() || !name_char(html[at + tag.size() + 1]));
}

// Parses the attributes of the start tag beginning at `at`; returns the offset after '>'.
std::size_t parse_start_tag(const std::string& html, std::size_t at, dom_element& e) {
    std::size_t i = at + 1 + e.tag.size();
    while (i < html.size()) {
        while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i])) != 0) {
            ++i;
        }
        if (i >= html.size()) {
            break;
        }
        if (html[i] == '>') {
            return i + 1;
        }
        if (html[i] == '/') {
            ++i;
            continue;
        }
        const std::size_t name_start = i;
        while (i < html.size() && html[i] != '=' && html[i] != '>' &&
               std::isspace(static_cast<unsigned char>(html[i])) == 0) {
            ++i;
        }
        const std::string name = html.substr(name_start, i - name_start);
        std::string value;
        if (i < html.size() && html[i] == '=') {
            ++i;
            if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
                const char quote = html[i];
                const std::size_t end = html.find(quote, i + 1);
                if (end == std::string::npos) {
                    throw std::runtime_error("unterminated attribute value at " +
                                             std::to_string(i));
                }
                value = html.substr(i + 1, end - i - 1);
                i = end + 1;
            } else {
                const std::size_t start = i;
                while (i < html.size() && html[i] != '>' &&
                       std::isspace(static_cast<unsigned char>(html[i])) == 0) {
                    ++i;
                }
                value = html.substr(start, i - start);
            }
        }
        e.attributes[name] = decode_entities(value);
    }
    throw std::runtime_error("unterminated start tag at " + std::to_string(at));
}

// The contents of <script> and <style> elements: raw text, where a '<' starts no tag.
using ranges = std::vector<std::pair<std::size_t, std::size_t>>;

ranges raw_text_ranges(const std::string& html) {
    ranges out;
    std::size_t i = 0;
    while ((i = html.find('<', i)) != std::string::npos) {
        for (const std::string tag : {"script", "style"}) {
            if (starts_tag(html, i, tag)) {
                const std::size_t open_end = html.find('>', i);
                const std::size_t close = html.find("</" + tag, open_end);
                if (open_end == std::string::npos || close == std::string::npos) {
                    throw std::runtime_error("unterminated <" + tag + "> at " + std::to_string(i));
                }
                out.emplace_back(open_end + 1, close);
                i = close;
                break;
            }
        }
        ++i;
    }
    return out;
}

// The next '<' at or after `from` that is not inside raw text.
std::size_t next_markup(const std::string& html, std::size_t from, const ranges& raw) {
    std::size_t at = html.find('<', from);
    for (const auto& [begin, end] : raw) {
        if (at != std::string::npos && at >= begin && at < end) {
            at = html.find('<', end);
        }
    }
    return at;
}

// The offset of the end tag that closes the `tag` element whose content starts at `from`.
std::size_t matching_end(const std::string& html, std::size_t from, const std::string& tag,
                         const ranges& raw) {
    int depth = 1;
    std::size_t i = from;
    const std::string close = "</" + tag + ">";
    while (true) {
        const std::size_t next = next_markup(html, i, raw);
        if (next == std::string::npos) {
            throw std::runtime_error("no </" + tag + "> for the element at " +
                                     std::to_string(from));
        }
        if (html.compare(next, close.size(), close) == 0) {
            if (--depth == 0) {
                return next;
            }
        } else if (starts_tag(html, next, tag)) {
            ++depth;
        }
        i = next + 1;
    }
}

} // namespace

bool dom_element::has(const std::string& attribute) const {
    return attributes.count(attribute) != 0;
}

std::string dom_element::attr(const std::string& attribute) const {
    const auto it = attributes.find(attribute);
    return it == attributes.end() ? std::string() : it->second;
}

bool dom_element::has_class(const std::string& name) const {
    std::istringstream classes(attr("class"));
    for (std::string c; classes >> c;) {
        if (c == name) {
            return true;
        }
    }
    return false;
}

std::string dom_element::text() const {
    std::string out;
    bool in_tag = false;
    for (const char c : inner) {
        if (c == '<') {
            in_tag = true;
        } else if (c == '>' && in_tag) {
            in_tag = false;
        } else if (!in_tag) {
            out += c;
        }
    }
    return decode_entities(out);
}

std::vector<dom_element> find_all(const std::string& html, const std::string& tag,
                                  const std::string& attribute, const std::string& value) {
    std::vector<dom_element> out;
    const ranges raw = raw_text_ranges(html);
    std::size_t at = 0;
    while ((at = next_markup(html, at, raw)) != std::string::npos) {
        if (!starts_tag(html, at, tag)) {
            ++at;
            continue;
        }
        dom_element e;
        e.tag = tag;
        e.offset = at;
        const std::size_t content = parse_start_tag(html, at, e);
        if (!is_void(tag)) {
            e.inner = html.substr(content, matching_end(html, content, tag, raw) - content);
        }
        if (attribute.empty() ||
            (e.has(attribute) && (value.empty() || e.attr(attribute) == value))) {
            out.push_back(std::move(e));
        }
        at = content;
    }
    return out;
}

dom_element find_one(const std::string& html, const std::string& tag, const std::string& attribute,
                     const std::string& value) {
    auto all = find_all(html, tag, attribute, value);
    if (all.size() != 1) {
        throw std::runtime_error(std::to_string(all.size()) + " <" + tag + " " + attribute + "=\"" +
                                 value + "\"> elements, expected one");
    }
    return std::move(all.front());
}

std::string decode_entities(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '&') {
            out += text[i];
            continue;
        }
        const std::size_t semi = text.find(';', i);
        if (semi == std::string::npos || semi - i > 10) {
            out += text[i];
            continue;
        }
        const std::string name = text.substr(i + 1, semi - i - 1);
        unsigned long code = 0;
        if (name == "lt") {
            code = '<';
        } else if (name == "gt") {
            code = '>';
        } else if (name == "amp") {
            code = '&';
        } else if (name == "quot") {
            code = '"';
        } else if (name == "apos") {
            code = '\'';
        } else if (name == "nbsp") {
            code = 0xa0;
        } else if (name.size() > 1 && name[0] == '#') {
            code = name[1] == 'x' || name[1] == 'X' ? std::stoul(name.substr(2), nullptr, 16)
                                                    : std::stoul(name.substr(1));
        } else {
            out += text[i];
            continue;
        }
        // As UTF-8.
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        }
        i = semi;
    }
    return out;
}

} // namespace mxprobe_test
