#pragma once
// TLS-RPT reports into and out of the history store. Into: the files under some paths read
// through the one report reader (tlsrpt_ingest), each newly counted report stored as its
// JSON text (a report the store holds already is not stored again) and every file read
// marked ingested with its size and mtime — `mxprobe tlsrpt --db`, and the watch re-reading
// its folders (skip_ingested). Out: the stored reports of a period, parsed again.

#include "policy/tlsrpt_report.hpp"
#include "tools/mxprobe/history_store.hpp"
#include "tools/mxprobe/tlsrpt_ingest.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mxprobe {

/// What history_store::file_ingested and mark_file_ingested compare: the size in bytes and
/// the modification time in nanoseconds since the epoch.
struct file_stamp {
    std::int64_t size = 0;
    std::int64_t mtime = 0;
};

/// The stamp of a file now (following a link to it); nothing when it cannot be read.
std::optional<file_stamp> file_stamp_of(const std::string& file);

struct stored_ingest {
    tlsrpt_ingest ingest;
    std::size_t stored = 0;          ///< reports new to the store
    std::size_t already_stored = 0;  ///< counted reports the store held before
    std::size_t files_unchanged = 0; ///< left out as ingested before (skip_ingested)
};

/// Reads `paths` and stores what is new. With skip_ingested, a file ingested before with the
/// same stamp is not read again. Throws store_error when the store fails; what was stored
/// before that stays stored.
stored_ingest ingest_into_store(history_store& store, const std::vector<std::string>& paths,
                                bool skip_ingested, tlsrpt_ingest_options options = {});

struct loaded_stored_reports {
    std::vector<policy::tlsrpt_report> reports;
    /// ("history store FILE", "organization/report-id: error") for a stored report that no
    /// longer parses.
    std::vector<std::pair<std::string, std::string>> errors;
};

/// The stored reports whose date range overlaps [from, to], parsed.
loaded_stored_reports load_stored_reports(const history_store& store, std::int64_t from,
                                          std::int64_t to);

} // namespace mxprobe
