#pragma once
// Which targets a scan takes: every entry of targets.yaml (optionally only those with given
// tags), or a plain list of domains from a file (one per line, `#` comments), and from either
// only this worker's share with --shard K/N. The share is a stable hash of the domain name,
// so N workers split any list the same way every time, without talking to each other.

#include "tools/mxprobe/scan_engine.hpp"
#include "tools/mxprobe/targets_file.hpp"

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace mxprobe {

struct shard {
    std::uint64_t index = 0; ///< 0 .. count-1
    std::uint64_t count = 1;
};

/// "K/N" with 0 <= K < N; throws std::invalid_argument otherwise.
shard parse_shard(const std::string& text);

/// Whether `domain` (already normalised) falls in `s`.
bool in_shard(const std::string& domain, const shard& s);

/// The targets of a file, filtered by tags (any of them; none: all) and shard.
std::vector<scan_item> select_targets(const targets_file& file,
                                      const std::vector<std::string>& tags, const shard& s);

/// Streams a domain list file: each call gives the next domain of this shard. Lines that
/// are not domain names are reported on standard error with FILE:LINE and counted, never
/// silently dropped.
class domain_list_reader {
  public:
    /// Throws std::runtime_error when the file cannot be opened.
    domain_list_reader(const std::string& path, shard s);

    std::optional<scan_item> next();

    /// Domains of this shard in the file (one quick pass at open), for progress.
    [[nodiscard]] std::size_t total() const { return total_; }
    [[nodiscard]] std::size_t rejected() const { return rejected_; }

  private:
    std::optional<std::string> next_line_domain(bool report);
    std::string path_;
    shard shard_;
    std::ifstream in_;
    std::size_t line_ = 0;
    std::size_t total_ = 0;
    std::size_t rejected_ = 0;
};

} // namespace mxprobe
