#pragma once
// targets.yaml: which domains mxprobe watches (our own and our partners'), how it probes
// them, what we require of our own outbound TLS, when scans run and what raises an alert.
// Strict: an unknown key or a wrong type is an error naming file:line:column, and nothing
// runs on a bad file. The reference is docs/targets.md; docs/schema/targets.schema.json
// describes the same shape for editors and CI.

#include "policy/outbound_requirements.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mxprobe {

/// A bad targets file: the message starts with "FILE:LINE:COLUMN: ".
class config_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct scan_defaults {
    std::string ehlo;                                ///< empty: this machine's host name
    std::uint16_t port = 25;                         ///< SMTP port (lab servers use others)
    std::chrono::milliseconds timeout{10000};        ///< each phase: connect, each reply, handshake
    std::chrono::milliseconds banner_timeout{30000}; ///< the greeting (RFC 5321 allows 5 min)
    std::size_t concurrency = 500;                   ///< probes doing work at once
    std::size_t max_connections = 4000;              ///< sockets open at once, slow ones included
    std::size_t per_ip = 1;                          ///< connections at once to one IP
    std::size_t per_provider = 8;                    ///< ... to one registered domain or /24
    std::chrono::milliseconds ip_spacing{500};       ///< between connections to one IP
    int retries = 2;                                 ///< after a 421 or a drop at the greeting
    std::chrono::milliseconds retry_delay{30000};
    std::chrono::milliseconds slow_after{1000}; ///< a slower session gives back its slot
    std::size_t domains_in_flight = 0;          ///< 0: twice `concurrency`
    std::optional<std::size_t> domains_waiting; ///< nothing: four times `domains_in_flight`
    bool enumerate = false;
    std::string ca_file;                ///< empty: the system trust store
    std::vector<std::string> resolvers; ///< "IP[:PORT]"; empty: /etc/resolv.conf
    bool allow_private = false;
    bool ipv4 = true;
    bool ipv6 = true;
    bool require_dane = false;
};

/// Settings one target may change for itself.
struct target_overrides {
    std::optional<std::uint16_t> port;
    std::optional<bool> enumerate;
    std::optional<bool> allow_private;
    std::optional<bool> require_dane;
    std::optional<std::string> ehlo;
};

struct target {
    std::string domain; ///< lower case, no trailing dot
    std::string name;   ///< for people; the domain when not given
    std::vector<std::string> tags;
    std::string role = "partner"; ///< "partner" or "own"
    target_overrides overrides;
    std::string where; ///< "FILE:LINE:COLUMN" of its entry
};

struct schedule_group {
    std::string name;
    std::chrono::milliseconds every{6LL * 3600 * 1000};
    std::chrono::milliseconds jitter{0};
    std::vector<std::string> tags; ///< targets with any of these tags; empty: every target
    std::optional<bool> enumerate;
};

struct alert_settings {
    int cert_expiry_warning_days = 21;
    int cert_expiry_critical_days = 7;
    double failure_rate = 0.05; ///< TLS-RPT failure share for a receiving MX
    std::chrono::milliseconds failure_window{24LL * 3600 * 1000};
    std::uint64_t min_sessions = 10; ///< below this many sessions a rate means nothing
    std::string webhook;
    std::string command;
    std::string jsonl;
};

struct targets_file {
    std::string path;
    scan_defaults defaults;
    policy::outbound_requirements requirements;
    std::vector<target> own_domains;
    std::vector<target> partners;
    std::vector<schedule_group> schedule;
    alert_settings alerts;
    std::vector<std::string> tlsrpt_folders; ///< where received TLS-RPT reports are kept
    std::string db;                          ///< history store; empty: mxprobe.db beside it

    /// Own domains first, then partners, in file order.
    [[nodiscard]] std::vector<target> all_targets() const;
};

/// Reads and validates `path`. Throws config_error (file:line:column) or std::runtime_error
/// when the file cannot be read. Relative paths inside (ca_file, tlsrpt folders, db) are
/// taken relative to the file's directory.
targets_file load_targets(const std::string& path);

/// The same from text; `name` stands in for the file name in messages and `base_dir` for
/// its directory.
targets_file parse_targets(const std::string& text, const std::string& name,
                           const std::string& base_dir = ".");

/// "30s", "500ms", "10m", "6h", "1d", "1h30m", or a bare number of seconds. Throws
/// std::invalid_argument naming the problem.
std::chrono::milliseconds parse_duration(const std::string& text);

/// Lower case, one trailing dot removed; throws std::invalid_argument when it cannot be a
/// domain name (empty label, label over 63 octets, name over 253, characters outside
/// letters, digits, '-', '_' and '.').
std::string normalise_domain(const std::string& text);

} // namespace mxprobe
