#pragma once
// Facts about a candidate chain before it is deployed: which certificate is the leaf, which
// certificates issued which (by name and by signature), the order they would have to be
// written in, and OpenSSL's verdict on the complete path for each name it must serve. The
// judgment (is this acceptable?) is policy's: see policy/candidate_certificate.hpp.

#include "probe/cert_info.hpp"
#include "probe/chain_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct x509_store_st;

namespace probe {

struct chain_order {
    std::size_t leaf = 0; ///< 0-based index into the file order
    /// Whether the leaf was chosen because it carries the public half of the given key
    /// (otherwise: the certificate that issued no other one, non-CA preferred).
    bool leaf_by_key = false;
    /// The issuing path, leaf first, each certificate issued by the next one: the order a
    /// server must send them in (RFC 5246 §7.4.2; RFC 8446 §4.4.2 keeps leaf first).
    std::vector<std::size_t> path;
    /// Certificates of the file that are not on the leaf's path.
    std::vector<std::size_t> unrelated;
    /// The file already lists the path first, in issuing order.
    bool in_order = true;
    /// The path ends in a self-signed certificate (a root), which senders ignore.
    bool root_included = false;
};

/// Works out the leaf and the issuing path among `certificates` (file order). When
/// `key_spki` is not empty, the certificate holding that public key is the leaf.
chain_order order_chain(const std::vector<cert_info>& certificates,
                        const std::vector<std::uint8_t>& key_spki = {});

/// OpenSSL's verdict on the candidate as a server would send it (the path in order, then the
/// unrelated certificates), for one reference name, at the current time.
struct candidate_verdict {
    chain_verdict chain;
    /// The verify errors other than time (judged against `now` by policy) and purpose
    /// (judged from the EKU by policy): what makes the path untrusted.
    std::vector<verify_error_at> trust_errors;
    bool purpose_error = false; ///< OpenSSL found a certificate not fit for a TLS server
};

candidate_verdict verify_candidate(const std::vector<cert_info>& certificates,
                                   const chain_order& order, x509_store_st* trust_store,
                                   const std::string& host);

/// The path certificates, leaf first.
std::vector<cert_info> path_certificates(const std::vector<cert_info>& certificates,
                                         const chain_order& order);

} // namespace probe
