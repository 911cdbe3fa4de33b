#include "probe/verification_cache.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace probe {

const verification_cache::entry* verification_cache::find(const std::string& key,
                                                          clock::time_point now) {
    const auto it = entries_.find(key);
    if (it == entries_.end() || now - it->second.verified_at > max_age) {
        ++misses_;
        return nullptr;
    }
    ++hits_;
    return &it->second;
}

void verification_cache::store(std::string key, std::vector<verify_error_at> errors,
                               x509_chain_ptr built, clock::time_point now) {
    if (entries_.size() >= max_entries && entries_.find(key) == entries_.end()) {
        // Forgetting everything at once is cheaper than tracking age order, and a cache
        // this size is refilled within a few seconds of a scan.
        entries_.clear();
    }
    entries_[std::move(key)] = entry{std::move(errors), std::move(built), now};
}

namespace {

bool append_digest(std::string& key, X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &size) != 1) {
        return false;
    }
    key.append(reinterpret_cast<const char*>(md), size);
    return true;
}

} // namespace

std::string chain_key(X509* leaf, stack_st_X509* untrusted) {
    std::string key;
    const int n = untrusted != nullptr ? sk_X509_num(untrusted) : 0;
    // libssl passes the presented chain, leaf first, as `untrusted`: digest the leaf once.
    if (n == 0 || sk_X509_value(untrusted, 0) != leaf) {
        if (!append_digest(key, leaf)) {
            return {};
        }
        key.push_back('|'); // a leaf given apart from the list
    }
    for (int i = 0; i < n; ++i) {
        if (!append_digest(key, sk_X509_value(untrusted, i))) {
            return {};
        }
    }
    return key;
}

} // namespace probe
