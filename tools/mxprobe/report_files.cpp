#include "tools/mxprobe/report_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace mxprobe {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t max_report_file = std::uintmax_t{32} << 20;

void read_one(const fs::path& file, loaded_reports& out,
              std::set<std::pair<std::string, std::string>>& seen) {
    ++out.inputs.files;
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) {
        out.inputs.errors.emplace_back(file.string(), ec.message());
        return;
    }
    if (size > max_report_file) {
        out.inputs.errors.emplace_back(file.string(),
                                       std::to_string(size) + " bytes, over the 32 MiB limit");
        return;
    }
    std::ifstream in(file, std::ios::binary);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
        out.inputs.errors.emplace_back(file.string(), "cannot read");
        return;
    }
    auto parsed = policy::parse_tlsrpt_report(bytes);
    if (!parsed.report) {
        out.inputs.errors.emplace_back(file.string(), parsed.error);
        return;
    }
    if (!seen.emplace(parsed.report->organization_name, parsed.report->report_id).second) {
        ++out.inputs.duplicates;
        return;
    }
    ++out.inputs.reports;
    out.reports.push_back(std::move(*parsed.report));
}

} // namespace

loaded_reports load_reports(const std::vector<std::string>& paths) {
    loaded_reports out;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& p : paths) {
        std::error_code ec;
        const auto status = fs::status(p, ec);
        if (ec || !fs::exists(status)) {
            out.inputs.errors.emplace_back(p, "no such file or folder");
            continue;
        }
        if (fs::is_regular_file(status)) {
            read_one(p, out, seen);
            continue;
        }
        // Sorted, so the same folder gives the same result; links to folders not followed.
        std::vector<fs::path> files;
        for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->is_regular_file(ec)) {
                files.push_back(it->path());
            }
        }
        if (ec) {
            out.inputs.errors.emplace_back(p, ec.message());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            read_one(f, out, seen);
        }
    }
    return out;
}

} // namespace mxprobe
