#include "tools/mxprobe/scan_output.hpp"

#include "tools/mxprobe/host_report.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace mxprobe {

namespace {

inline constexpr const char* scan_schema_id = "mxprobe/scan/1";

std::string now_iso8601() {
    return iso8601(std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count());
}

nlohmann::json summary_json(const std::map<std::string, std::size_t>& verdicts,
                            const scan_run_result& run) {
    const double seconds = std::chrono::duration<double>(run.elapsed).count();
    return nlohmann::json{
        {"domains", run.domains},
        {"verdicts", verdicts},
        {"probes", run.probes},
        {"shared_probes", run.shared_probes},
        {"elapsed_ms", run.elapsed.count()},
        {"domains_per_second", seconds > 0 ? static_cast<double>(run.domains) / seconds : 0.0},
        {"interrupted", run.interrupted}};
}

} // namespace

scan_format parse_scan_format(const std::string& name) {
    if (name == "table") {
        return scan_format::table;
    }
    if (name == "json") {
        return scan_format::json;
    }
    if (name == "jsonl") {
        return scan_format::jsonl;
    }
    if (name == "csv") {
        return scan_format::csv;
    }
    throw std::invalid_argument("--format must be table, json, jsonl or csv, not '" + name + "'");
}

scan_writer::scan_writer(std::ostream& out, scan_format format, bool colour)
    : out_(out), format_(format), colour_(colour) {}

void scan_writer::begin() {
    started_ = now_iso8601();
    switch (format_) {
    case scan_format::json:
        out_ << "{\"schema\":\"" << scan_schema_id << "\",\"started\":\"" << started_
             << "\",\"domains\":[";
        break;
    case scan_format::csv:
        out_ << domain_csv_header();
        break;
    case scan_format::table:
    case scan_format::jsonl:
        break;
    }
    out_.flush();
}

void scan_writer::add(std::size_t index, const domain_report& report) {
    ++verdicts_[std::string(policy::to_string(report.verdict.overall))];
    switch (format_) {
    case scan_format::json:
        out_ << (first_ ? "\n" : ",\n") << domain_to_json(report).dump();
        break;
    case scan_format::jsonl:
        out_ << domain_to_json(report).dump() << "\n";
        break;
    case scan_format::csv:
        out_ << domain_to_csv(report);
        break;
    case scan_format::table:
        rows_.emplace_back(index, domain_table_row(report, colour_));
        break;
    }
    first_ = false;
    if (format_ != scan_format::table) {
        out_.flush(); // streamed: a crash or Ctrl-C later loses nothing already written
    }
}

void scan_writer::end(const scan_run_result& run) {
    switch (format_) {
    case scan_format::json: {
        nlohmann::json tail{{"finished", now_iso8601()}, {"summary", summary_json(verdicts_, run)}};
        const std::string text = tail.dump();
        out_ << "\n]," << text.substr(1) << "\n"; // the tail's members continue the object
        break;
    }
    case scan_format::table: {
        std::sort(rows_.begin(), rows_.end());
        out_ << domain_table_header();
        for (const auto& [index, row] : rows_) {
            out_ << row;
        }
        const double seconds = std::chrono::duration<double>(run.elapsed).count();
        out_ << "\n" << run.domains << " domain(s):";
        for (const char* v : {"ok", "warning", "critical", "unknown"}) {
            const auto it = verdicts_.find(v);
            out_ << " " << (it == verdicts_.end() ? 0 : it->second) << " " << v;
        }
        char rate[64];
        (void)std::snprintf(rate, sizeof rate, "%.1f", seconds);
        out_ << "; " << run.probes << " MX address probe(s), " << run.shared_probes
             << " shared between domains; " << rate << " s"
             << (run.interrupted ? "; INTERRUPTED" : "") << "\n";
        break;
    }
    case scan_format::jsonl:
    case scan_format::csv:
        break;
    }
    out_.flush();
}

exit_status scan_exit_status(const std::map<std::string, std::size_t>& verdicts, bool interrupted) {
    if (interrupted) {
        return exit_status::unknown;
    }
    const auto has = [&](const char* v) {
        const auto it = verdicts.find(v);
        return it != verdicts.end() && it->second > 0;
    };
    if (has("critical")) {
        return exit_status::critical;
    }
    if (has("warning") || has("unknown")) {
        return exit_status::warning;
    }
    return exit_status::ok;
}

} // namespace mxprobe
