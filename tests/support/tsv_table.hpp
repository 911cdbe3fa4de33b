#pragma once
// The scenario tables the lab writes (DIR/scenarios.tsv of tools/lab/smtp, exim, https): tab
// separated, a header line naming the columns, one row per scenario.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mxprobe_test {

using tsv_row = std::map<std::string, std::string>; ///< column name -> value

/// Every row of `path`, keyed by the header's names. Throws std::runtime_error naming the
/// file and line when it cannot be read or a row has the wrong number of fields.
std::vector<tsv_row> read_tsv(const std::string& path);

/// The row whose `name` column is `name`, if any.
std::optional<tsv_row> find_row(const std::vector<tsv_row>& rows, const std::string& name);

/// Splits on `separator`, keeping empty fields.
std::vector<std::string> split_fields(const std::string& text, char separator);

} // namespace mxprobe_test
