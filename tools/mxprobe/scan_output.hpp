#pragma once
// Where scan results go, in the format asked for: a table for people (sorted by the order of
// the targets, with a summary), or streamed as each domain finishes — JSON Lines (one
// mxprobe/domain/1 document per line), CSV (one row per MX address), or one JSON document
// (mxprobe/scan/1) whose `domains` array is written element by element. Memory stays flat
// for the streamed formats however long the list is.

#include "tools/mxprobe/domain_report.hpp"
#include "tools/mxprobe/scan_engine.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace mxprobe {

enum class scan_format { table, json, jsonl, csv };

/// "table", "json", "jsonl" or "csv"; throws std::invalid_argument otherwise.
scan_format parse_scan_format(const std::string& name);

class scan_writer {
  public:
    scan_writer(std::ostream& out, scan_format format, bool colour);

    /// Writes what comes before the first domain.
    void begin();
    /// Takes one finished domain (in the order they finish).
    void add(std::size_t index, const domain_report& report);
    /// Writes what comes after the last one: the table, the summary, the JSON tail.
    void end(const scan_run_result& run);

    /// Counts by verdict so far ("ok", "warning", "critical", "unknown").
    [[nodiscard]] const std::map<std::string, std::size_t>& verdicts() const { return verdicts_; }

  private:
    std::ostream& out_;
    scan_format format_;
    bool colour_;
    bool first_ = true;
    std::map<std::string, std::size_t> verdicts_;
    std::vector<std::pair<std::size_t, std::string>> rows_; ///< table rows, by target index
    std::string started_;
};

/// The scan's exit status: 3 when interrupted, else 2 when some domain is critical, 1 when
/// some is warning or could not be checked, 0 when all are OK.
exit_status scan_exit_status(const std::map<std::string, std::size_t>& verdicts, bool interrupted);

} // namespace mxprobe
