#pragma once
// The history store: every scan, every domain result (its mxprobe/domain/1 document), every
// ingested TLS-RPT report, every alert and the watch schedule, in one SQLite file (WAL mode,
// a versioned schema with migrations). Each domain result and each report is committed on
// its own as it arrives, so a crash mid-scan loses nothing already written. A file that is
// not an SQLite database, or another program's, is refused with a clear error and never
// overwritten.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace mxprobe {

class store_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct stored_domain_result {
    std::int64_t scan_id = 0;
    std::int64_t at = 0; ///< Unix seconds when the domain finished
    std::string domain;
    std::string role;
    std::string verdict;
    std::string document; ///< the mxprobe/domain/1 JSON text
};

struct stored_scan {
    std::int64_t id = 0;
    std::string group; ///< schedule group, or "scan" for `mxprobe scan --db`
    std::int64_t started = 0;
    std::int64_t finished = 0; ///< 0 while running (or when the process died mid-scan)
    bool interrupted = false;
    std::int64_t domains = 0;
};

struct stored_alert {
    std::int64_t id = 0;
    std::string key; ///< identifies the condition, e.g. "cert-expiry-warning:example.com:mx1..."
    std::string kind;
    std::string severity;
    std::string domain;
    std::string subject;
    std::string message;
    std::int64_t raised_at = 0;
    std::int64_t resolved_at = 0; ///< 0 while open
};

struct stored_report {
    std::string organization;
    std::string report_id;
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::string file;
    std::string json; ///< the report's JSON text (unwrapped from gzip or email)
};

/// Whether opening may create the store: commands that read history never create one.
enum class store_open { create, existing };

/// One history store per thread. Writes are committed in WAL mode with synchronous=NORMAL:
/// what a call committed survives the process being killed (SIGKILL included); an operating
/// system crash or power cut may lose the last commits but never corrupts the file.
class history_store {
  public:
    /// Opens (creating it when absent) and migrates the store. Throws store_error naming the
    /// file when it is not an SQLite database, belongs to another program, was written by a
    /// newer mxprobe, or cannot be opened.
    explicit history_store(const std::string& path);
    /// With store_open::existing, a missing or empty file, or an SQLite file holding no
    /// mxprobe history, is a store_error too, and nothing is created.
    history_store(const std::string& path, store_open mode);
    ~history_store();
    history_store(const history_store&) = delete;
    history_store& operator=(const history_store&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }
    /// The schema version this build writes.
    static int schema_version();

    // Scans and domain results. A scan's `domains` counts the results stored for it.
    std::int64_t begin_scan(const std::string& group, std::int64_t started);
    void add_domain_result(std::int64_t scan_id, std::int64_t at, const std::string& domain,
                           const std::string& role, const std::string& verdict,
                           const std::string& document);
    void finish_scan(std::int64_t scan_id, std::int64_t finished, bool interrupted);
    /// Scans that started or finished at or after `since`, oldest first.
    [[nodiscard]] std::vector<stored_scan> scans_since(std::int64_t since) const;
    /// The newest result of every domain (by `at`, then by insertion), sorted by domain.
    [[nodiscard]] std::vector<stored_domain_result> latest_results() const;
    /// The newest result of `domain` from a scan other than `except_scan`, if any.
    [[nodiscard]] std::optional<stored_domain_result>
    previous_result(const std::string& domain, std::int64_t except_scan) const;
    /// `domain`'s results at or after `since`, oldest first.
    [[nodiscard]] std::vector<stored_domain_result> results_since(const std::string& domain,
                                                                  std::int64_t since) const;
    /// Every result of every domain since `since` (for coverage over time).
    [[nodiscard]] std::vector<stored_domain_result> all_results_since(std::int64_t since) const;
    /// The same, oldest first, one at a time: memory stays flat however long the period.
    void for_each_result_since(std::int64_t since,
                               const std::function<void(stored_domain_result&&)>& visit) const;
    /// The newest result of every domain from before `before` (the state a period starts in).
    [[nodiscard]] std::vector<stored_domain_result>
    latest_results_before(std::int64_t before) const;
    /// The newest result of `domain` from before `before`, if any.
    [[nodiscard]] std::optional<stored_domain_result> result_before(const std::string& domain,
                                                                    std::int64_t before) const;

    // TLS-RPT reports. add_report returns false when (organization, report_id) is known.
    bool add_report(const stored_report& report);
    /// Reports whose date range overlaps [from, to], oldest first.
    [[nodiscard]] std::vector<stored_report> reports_between(std::int64_t from,
                                                             std::int64_t to) const;
    /// Files already ingested, with the size and mtime they had, so a re-read skips them.
    /// report_store.hpp's file_stamp_of gives both as the tlsrpt ingest records them (mtime
    /// in nanoseconds).
    [[nodiscard]] bool file_ingested(const std::string& file, std::int64_t size,
                                     std::int64_t mtime) const;
    void mark_file_ingested(const std::string& file, std::int64_t size, std::int64_t mtime);

    // Alerts. At most one open alert per key.
    [[nodiscard]] std::map<std::string, stored_alert> open_alerts() const;
    /// Inserts an open alert; returns its id. When an alert with the same key is open
    /// already, nothing is inserted and the open one's id is returned.
    std::int64_t raise_alert(const stored_alert& alert);
    /// Resolving a resolved alert changes nothing; an unknown id is a store_error.
    void resolve_alert(std::int64_t id, std::int64_t at);
    /// Alerts of `domain` ("" for every domain) raised or resolved at or after `since`,
    /// oldest first.
    [[nodiscard]] std::vector<stored_alert> alerts_since(const std::string& domain,
                                                         std::int64_t since) const;

    // The watch schedule: when each group is next due (Unix seconds).
    [[nodiscard]] std::optional<std::int64_t> next_due(const std::string& group) const;
    void set_next_due(const std::string& group, std::int64_t at);

  private:
    void migrate();
    std::string path_;
    sqlite3* db_ = nullptr;
};

} // namespace mxprobe
