#pragma once
// The compatibility matrix as one self-contained HTML page: the `mxprobe/matrix/1` document
// embedded as data, and the page (tools/mxprobe/html: matrix.html, matrix.css, matrix.js,
// embedded at build time) drawing from it a sortable, filterable grid, charts, the expiry
// calendar and the what-if. No external assets and no network: a Content-Security-Policy
// allows only the page's own inline script and style sheet, by hash.

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mxprobe {

/// The page for `matrix_document` (what matrix_to_json returns). Throws
/// std::invalid_argument when the document is not an mxprobe/matrix/1 object.
std::string matrix_to_html(const nlohmann::json& matrix_document);

/// `document` as JSON that is safe between <script type="application/json"> and </script>:
/// every '<', '>' and '&' written as a \u escape (they can only occur inside strings), so no
/// "</script>" or "<!--" from a report or a server can end or bend the element. Invalid
/// UTF-8 becomes U+FFFD rather than an exception.
std::string script_safe_json(const nlohmann::json& document);

} // namespace mxprobe
