#pragma once
// Checks of a candidate chain on its own, before any DNS: the order it is written in, that it
// is complete up to a trusted root, that the key belongs to the leaf, that every certificate
// is valid now and for long enough, and that keys, signatures and the EKU are what senders
// accept. Pure: the facts come from probe/candidate_chain.hpp and `now` is a parameter.

#include "policy/candidate_check.hpp"
#include "probe/candidate_chain.hpp"
#include "probe/cert_info.hpp"
#include "probe/key_file.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace policy {

struct candidate_thresholds {
    int min_days = 14; ///< days the chain must still be valid at deployment
    int min_rsa_bits = 2048;
    int min_ec_bits = 224;
};

/// "order": the order found in the file against the issuing order a server must send.
check check_chain_order(const std::vector<probe::cert_info>& file_order,
                        const probe::chain_order& order);

/// "trust": complete from the given certificates to a root of the trust store. Time and
/// purpose errors are left to "validity" and "eku".
check check_chain_trust(const std::vector<probe::cert_info>& path,
                        const probe::candidate_verdict& verdict);

/// "key": the private key's public half is the leaf's.
check check_key_match(const probe::cert_info& leaf, const probe::key_file& key);

/// "validity": every certificate of the path (a root excepted) is valid at `now`, and the
/// first of them to expire still has at least `min_days` left.
check check_validity(const std::vector<probe::cert_info>& path,
                     std::chrono::system_clock::time_point now, const candidate_thresholds& t);

/// "key-strength": RSA ≥ min_rsa_bits, EC ≥ min_ec_bits, no DSA, for the leaf and the
/// intermediates (a root's key is the trust store's business).
check check_key_strength(const std::vector<probe::cert_info>& path, const candidate_thresholds& t);

/// "signature": no SHA-1 or MD5 signature on any certificate but a self-signed root, whose
/// own signature no sender checks.
check check_signatures(const std::vector<probe::cert_info>& path);

/// "eku": the leaf may serve TLS (no EKU, or one with serverAuth) and no intermediate
/// restricts the path to other purposes.
check check_server_auth(const std::vector<probe::cert_info>& path, bool purpose_error);

/// Short label for a certificate in messages: its CN, or the whole subject without one.
std::string short_name(const probe::cert_info& c);

} // namespace policy
