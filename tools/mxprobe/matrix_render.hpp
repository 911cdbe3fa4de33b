#pragma once
// The compatibility matrix for people and programs: the `mxprobe/matrix/1` JSON document
// (docs/schema/matrix.schema.json), a terminal table that fits 100 columns, CSV (one row per
// target), and Markdown for wikis and tickets. The HTML page is matrix_html.

#include "tools/mxprobe/matrix_build.hpp"

#include <string>

#include <nlohmann/json.hpp>

namespace mxprobe {

inline constexpr const char* matrix_schema_id = "mxprobe/matrix/1";

nlohmann::json matrix_to_json(const matrix& m);
std::string matrix_to_table(const matrix& m, bool colour);
std::string matrix_to_csv(const matrix& m);
std::string matrix_to_markdown(const matrix& m);

} // namespace mxprobe
