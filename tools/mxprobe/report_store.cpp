#include "tools/mxprobe/report_store.hpp"

#include <sys/stat.h>

namespace mxprobe {

std::optional<file_stamp> file_stamp_of(const std::string& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        return std::nullopt;
    }
    return file_stamp{static_cast<std::int64_t>(st.st_size),
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                          static_cast<std::int64_t>(st.st_mtim.tv_nsec)};
}

stored_ingest ingest_into_store(history_store& store, const std::vector<std::string>& paths,
                                bool skip_ingested, tlsrpt_ingest_options options) {
    stored_ingest out;
    // Stamped before the read: a file rewritten while being read gets another stamp later
    // and is read again, never marked with a stamp its content does not have.
    std::optional<file_stamp> stamp;
    options.skip_file = [&](const std::string& file) {
        stamp = file_stamp_of(file);
        const bool unchanged =
            skip_ingested && stamp && store.file_ingested(file, stamp->size, stamp->mtime);
        out.files_unchanged += unchanged ? 1 : 0;
        return unchanged;
    };
    options.on_report = [&](const std::string& file, const policy::tlsrpt_report& report,
                            const std::string& json_text) {
        const bool added = store.add_report({report.organization_name, report.report_id,
                                             report.start, report.end, file, json_text});
        ++(added ? out.stored : out.already_stored);
    };
    options.on_file_read = [&](const std::string& file) {
        if (stamp) {
            store.mark_file_ingested(file, stamp->size, stamp->mtime);
        }
    };
    out.ingest = ingest_tlsrpt(paths, options);
    return out;
}

loaded_stored_reports load_stored_reports(const history_store& store, std::int64_t from,
                                          std::int64_t to) {
    loaded_stored_reports out;
    for (const auto& stored : store.reports_between(from, to)) {
        auto parsed = policy::parse_tlsrpt_json(stored.json);
        if (!parsed.report) {
            out.errors.emplace_back("history store " + store.path(), stored.organization + "/" +
                                                                         stored.report_id + ": " +
                                                                         parsed.error);
            continue;
        }
        parsed.report->container = "history store";
        out.reports.push_back(std::move(*parsed.report));
    }
    return out;
}

} // namespace mxprobe
