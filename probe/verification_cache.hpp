#pragma once
// Chain verifications shared within one TLS context. Thousands of MX hosts of one provider
// present the very same certificates, and verifying a chain is a tenth of a probe's CPU, so a
// chain verified a moment ago is not verified again: its errors and the path OpenSSL built
// are reused. Entries are keyed by the SHA-256 of every presented certificate, in order, and
// live at most `max_age`, because validity is judged against the clock. The host name is
// not part of the verification (chain_check matches it separately), so it is not in the key.
// Single-threaded, like the probe.

#include "probe/chain_check.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace probe {

class verification_cache {
  public:
    using clock = std::chrono::steady_clock;
    static constexpr std::size_t max_entries = 1024;
    static constexpr std::chrono::seconds max_age{60};

    struct entry {
        std::vector<verify_error_at> errors;
        x509_chain_ptr built; ///< the path OpenSSL built, leaf first
        clock::time_point verified_at;
    };

    /// The entry for `key` if it is younger than max_age; counts a hit or a miss.
    const entry* find(const std::string& key, clock::time_point now);
    void store(std::string key, std::vector<verify_error_at> errors, x509_chain_ptr built,
               clock::time_point now);

    [[nodiscard]] std::size_t hits() const { return hits_; }
    [[nodiscard]] std::size_t misses() const { return misses_; }

  private:
    std::unordered_map<std::string, entry> entries_;
    std::size_t hits_ = 0;
    std::size_t misses_ = 0;
};

/// The cache key of a chain to verify: the SHA-256 of each certificate of `untrusted`, in
/// order, preceded by that of `leaf` unless the list starts with it; empty when a digest
/// cannot be computed (then nothing is shared).
std::string chain_key(x509_st* leaf, stack_st_X509* untrusted);

} // namespace probe
