#include "tools/mxprobe/tlsrpt_ingest.hpp"

#include <algorithm>

namespace mxprobe {

tlsrpt_ingest ingest_tlsrpt(const std::vector<std::string>& paths,
                            const tlsrpt_ingest_options& options) {
    tlsrpt_ingest out;
    auto listing = list_input_files(paths);
    out.errors = std::move(listing.errors);
    out.skipped = std::move(listing.skipped);
    // (organization, report-id) -> the file counted, to name it beside each duplicate.
    std::map<std::pair<std::string, std::string>, std::size_t> first_file;
    for (std::size_t i = 0; i < listing.files.size(); ++i) {
        const auto& file = listing.files[i];
        if (options.skip_file && options.skip_file(file)) {
            continue;
        }
        ++out.files;
        const auto read = read_bounded(file, options.max_file_bytes);
        if (!read.bytes) {
            out.errors.push_back({file, read.error});
            continue;
        }
        out.bytes += read.bytes->size();
        auto parsed = policy::parse_tlsrpt_report(*read.bytes, options.limits);
        if (!parsed.report) {
            out.errors.push_back({file, parsed.error});
            if (options.on_file_read) {
                options.on_file_read(file);
            }
            continue;
        }
        const auto& report = *parsed.report;
        if (!policy::add_report(out.aggregate, report)) {
            const auto first = first_file.find({report.organization_name, report.report_id});
            out.duplicates.push_back(
                {file, first == first_file.end() ? "" : listing.files[first->second]});
            if (options.on_file_read) {
                options.on_file_read(file);
            }
            continue;
        }
        if (options.on_report) {
            options.on_report(file, report, parsed.json_text);
        }
        if (options.on_file_read) {
            options.on_file_read(file);
        }
        first_file.emplace(std::make_pair(report.organization_name, report.report_id), i);
        for (const auto& note : report.notes) {
            ++out.notes[note];
        }
        if (out.aggregate.reports == 1 || report.start < out.first_start) {
            out.first_start = report.start;
        }
        out.last_end = std::max(out.last_end, report.end);
        if (options.keep_reports) {
            out.reports.push_back(std::move(*parsed.report));
        }
    }
    return out;
}

} // namespace mxprobe
