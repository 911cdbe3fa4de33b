#include "probe/candidate_chain.hpp"

#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"

#include <algorithm>
#include <optional>

namespace probe {

namespace {

bool is_issuer_of_another(const std::vector<cert_info>& certs, std::size_t i) {
    for (std::size_t j = 0; j < certs.size(); ++j) {
        if (j != i && !certs[j].self_signed && issued_by(certs[j], certs[i])) {
            return true;
        }
    }
    return false;
}

std::size_t pick_leaf(const std::vector<cert_info>& certs, const std::vector<std::uint8_t>& spki,
                      bool& by_key) {
    by_key = false;
    if (!spki.empty()) {
        for (std::size_t i = 0; i < certs.size(); ++i) {
            if (certs[i].spki_der == spki) {
                by_key = true;
                return i;
            }
        }
    }
    // The end of the chain issued nothing; prefer a non-CA among several such ends.
    std::optional<std::size_t> end_ca;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        if (is_issuer_of_another(certs, i)) {
            continue;
        }
        if (!certs[i].is_ca) {
            return i;
        }
        if (!end_ca) {
            end_ca = i;
        }
    }
    return end_ca.value_or(0);
}

x509_ptr parse(const cert_info& c) {
    const unsigned char* p = c.der.data();
    return x509_ptr(c.der.empty() ? nullptr
                                  : d2i_X509(nullptr, &p, static_cast<long>(c.der.size())));
}

} // namespace

chain_order order_chain(const std::vector<cert_info>& certs,
                        const std::vector<std::uint8_t>& key_spki) {
    chain_order out;
    if (certs.empty()) {
        return out;
    }
    out.leaf = pick_leaf(certs, key_spki, out.leaf_by_key);
    std::vector<bool> used(certs.size(), false);
    out.path.push_back(out.leaf);
    used[out.leaf] = true;
    while (!certs[out.path.back()].self_signed) {
        const cert_info& child = certs[out.path.back()];
        std::optional<std::size_t> parent;
        for (std::size_t j = 0; j < certs.size(); ++j) {
            if (!used[j] && issued_by(child, certs[j])) {
                parent = j;
                break;
            }
        }
        if (!parent) {
            break;
        }
        out.path.push_back(*parent);
        used[*parent] = true;
    }
    out.root_included = certs[out.path.back()].self_signed && out.path.size() > 1;
    for (std::size_t i = 0; i < certs.size(); ++i) {
        if (!used[i]) {
            out.unrelated.push_back(i);
        }
    }
    for (std::size_t i = 0; i < out.path.size(); ++i) {
        out.in_order = out.in_order && out.path[i] == i;
    }
    return out;
}

std::vector<cert_info> path_certificates(const std::vector<cert_info>& certs,
                                         const chain_order& order) {
    std::vector<cert_info> out;
    out.reserve(order.path.size());
    for (std::size_t i : order.path) {
        out.push_back(certs.at(i));
    }
    return out;
}

candidate_verdict verify_candidate(const std::vector<cert_info>& certs, const chain_order& order,
                                   x509_store_st* trust_store, const std::string& host) {
    openssl_error_guard guard;
    candidate_verdict out;
    x509_stack_ptr stack(sk_X509_new_null());
    if (!stack) {
        out.chain.verify_error = "out of memory";
        return out;
    }
    std::vector<std::size_t> sent = order.path;
    sent.insert(sent.end(), order.unrelated.begin(), order.unrelated.end());
    for (std::size_t i : sent) {
        x509_ptr cert = parse(certs.at(i));
        if (!cert || sk_X509_push(stack.get(), cert.get()) <= 0) {
            out.chain.verify_error = "cannot re-read certificate " + std::to_string(i + 1);
            return out;
        }
        static_cast<void>(cert.release()); // now owned by the stack
    }
    out.chain = check_chain(stack.get(), trust_store, host);
    for (const auto& e : out.chain.errors) {
        if (e.code == X509_V_ERR_CERT_HAS_EXPIRED || e.code == X509_V_ERR_CERT_NOT_YET_VALID) {
            continue;
        }
        if (e.code == X509_V_ERR_INVALID_PURPOSE) {
            out.purpose_error = true;
            continue;
        }
        out.trust_errors.push_back(e);
    }
    return out;
}

} // namespace probe
