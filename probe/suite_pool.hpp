#pragma once
// What the suite walks of an enumeration share: narrowing an offer that a server refused
// because of the elliptic-curve extensions it carried.

#include <algorithm>
#include <vector>

namespace probe {

constexpr int alert_handshake_failure = 40;

/// True when `pool` holds elliptic (ECDHE, ECDSA) suites and others. `Suite` has `elliptic`.
template <class Suite> bool mixes_elliptic(const std::vector<Suite>& pool) {
    const auto elliptic = [](const Suite& s) { return s.elliptic; };
    return std::any_of(pool.begin(), pool.end(), elliptic) &&
           !std::all_of(pool.begin(), pool.end(), elliptic);
}

/// Some servers refuse a whole ClientHello because of its supported_groups extension (GnuTLS
/// limited to DHE, without RFC 7919 groups, refuses every client that sends one). When an
/// offer mixing elliptic and other suites ended in a handshake_failure alert, this keeps the
/// others alone, so that the next offer goes without the extension; returns whether it did.
template <class Suite> bool narrow_to_non_elliptic(std::vector<Suite>& pool, int alert) {
    if (alert != alert_handshake_failure || !mixes_elliptic(pool)) {
        return false;
    }
    std::erase_if(pool, [](const Suite& s) { return s.elliptic; });
    return true;
}

} // namespace probe
