#pragma once
// Reading the DOM that `chromium --dump-dom` serializes: finding elements by tag and
// attribute, their attributes and their text. Enough for Chromium's own serialization (every
// attribute value double-quoted, '<' and '&' in text and values escaped), not a general HTML
// parser.

#include <map>
#include <string>
#include <vector>

namespace mxprobe_test {

struct dom_element {
    std::string tag;
    std::map<std::string, std::string> attributes; ///< entity-decoded values
    std::string inner;                             ///< the serialized content, tags and all
    std::size_t offset = 0;                        ///< where the start tag begins

    [[nodiscard]] bool has(const std::string& attribute) const;
    [[nodiscard]] std::string attr(const std::string& attribute) const; ///< "" when absent
    [[nodiscard]] bool has_class(const std::string& name) const;
    /// The text content: tags dropped, entities decoded.
    [[nodiscard]] std::string text() const;
};

/// Every `tag` element, in document order; with `attribute`, only those that have it, and
/// with `value` too, only those where it equals `value`.
std::vector<dom_element> find_all(const std::string& html, const std::string& tag,
                                  const std::string& attribute = "", const std::string& value = "");

/// The one element find_all would return; throws when there is none or more than one.
dom_element find_one(const std::string& html, const std::string& tag, const std::string& attribute,
                     const std::string& value);

/// "&lt;b&gt; &amp;" -> "<b> &", including &quot; &#39; &nbsp; and numeric references.
std::string decode_entities(const std::string& text);

} // namespace mxprobe_test
