#include "policy/candidate_certificate.hpp"

#include "policy/host_verdict.hpp"

#include <algorithm>

namespace policy {

namespace {

check make(const char* name, check_status status, std::string message) {
    return {name, {}, status, std::move(message), std::nullopt};
}

bool is_root_at(const std::vector<probe::cert_info>& path, std::size_t i) {
    return i > 0 && i + 1 == path.size() && path[i].self_signed;
}

std::string role(const std::vector<probe::cert_info>& path, std::size_t i) {
    return i == 0 ? "leaf" : is_root_at(path, i) ? "root" : "intermediate";
}

std::string labelled(const std::vector<probe::cert_info>& path, std::size_t i) {
    return role(path, i) + " " + short_name(path[i]);
}

// The certificates a sender checks: all but a self-signed root at the top (a self-signed
// leaf alone still counts: it is what the sender gets).
std::size_t checked_count(const std::vector<probe::cert_info>& path) {
    return !path.empty() && is_root_at(path, path.size() - 1) ? path.size() - 1 : path.size();
}

std::string short_digest(const std::string& hex) {
    return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex;
}

std::string key_text(const std::string& type, int bits) {
    return type + " " + std::to_string(bits);
}

bool is_weak_digest(const std::string& digest) {
    return digest == "SHA1" || digest == "MD5" || digest == "MD4" || digest == "MD2";
}

} // namespace

std::string short_name(const probe::cert_info& c) {
    const std::string& s = c.subject;
    std::size_t at = s.rfind("CN=", 0) == 0 ? 0 : s.find(",CN=");
    if (at == std::string::npos) {
        return s.empty() ? "(empty subject)" : s;
    }
    at += (at == 0 ? 0 : 1) + 3; // past "CN="
    std::size_t end = at;
    while (end < s.size() && !(s[end] == ',' && s[end - 1] != '\\')) {
        ++end;
    }
    return s.substr(at, end - at);
}

check check_chain_order(const std::vector<probe::cert_info>& file,
                        const probe::chain_order& order) {
    std::vector<std::string> roles(file.size(), "unrelated");
    std::vector<probe::cert_info> path;
    for (std::size_t i : order.path) {
        path.push_back(file.at(i));
    }
    for (std::size_t k = 0; k < order.path.size(); ++k) {
        roles[order.path[k]] = role(path, k);
    }
    std::string found;
    for (std::size_t i = 0; i < file.size(); ++i) {
        found += (found.empty() ? "" : ", ") + std::to_string(i + 1) + " " + roles[i] + " " +
                 short_name(file[i]);
    }
    std::string correct;
    for (std::size_t i : order.path) {
        correct += (correct.empty() ? "" : ", ") + std::to_string(i + 1);
    }
    const std::string root_note =
        order.root_included ? "; the root is included, which is harmless (senders use their own)"
                            : "";
    if (!order.unrelated.empty()) {
        std::string extra;
        for (std::size_t i : order.unrelated) {
            extra += (extra.empty() ? "" : ", ") + std::to_string(i + 1);
        }
        return make("order", check_status::warn,
                    "found [" + found + "]: certificate(s) " + extra +
                        " are not on the leaf's issuing path, remove them; send [" + correct + "]");
    }
    if (!order.in_order) {
        return make("order", check_status::warn,
                    "found [" + found + "]: servers send the file as written, so write it as [" +
                        correct + "] (leaf first, each followed by its issuer)" + root_note);
    }
    return make("order", check_status::ok,
                "leaf first, each followed by its issuer: [" + found + "]" + root_note);
}

check check_chain_trust(const std::vector<probe::cert_info>& path,
                        const probe::candidate_verdict& verdict) {
    if (path.empty()) {
        return make("trust", check_status::fail, "no certificate");
    }
    const probe::cert_info& top = path.back();
    const auto& chain = verdict.chain;
    // No errors at all but not trusted means verification could not even start.
    const bool verified = chain.trusted || !chain.errors.empty();
    if (verdict.trust_errors.empty() && verified) {
        std::string names;
        for (std::size_t i = 0; i < path.size(); ++i) {
            names += (names.empty() ? "" : " <- ") + short_name(path[i]);
        }
        const bool root_in_file = path.size() > 1 && top.self_signed;
        return make("trust", check_status::ok,
                    "complete to a trusted root: " + names +
                        (root_in_file ? "" : " <- trusted root " + top.issuer) + " (path of " +
                        std::to_string(chain.verified_chain_length) + ")");
    }
    if (verdict.trust_errors.empty()) {
        return make("trust", check_status::fail, "cannot verify: " + chain.verify_error);
    }
    if (chain.missing_intermediate) {
        return make("trust", check_status::fail,
                    "incomplete: nothing in the file issued " + short_name(top) + " (issuer " +
                        top.issuer + "); add the intermediate certificate(s) after it");
    }
    if (chain.untrusted_root) {
        if (path.size() == 1 && top.self_signed) {
            return make("trust", check_status::fail,
                        "the leaf " + short_name(top) +
                            " is self-signed: no sender that validates certificates trusts it");
        }
        return make("trust", check_status::fail,
                    top.self_signed
                        ? "the chain ends at the root " + top.subject +
                              ", which is not in the trust store"
                        : "the chain ends at " + short_name(top) + ", whose issuer " + top.issuer +
                              " is not in the trust store (or is a missing intermediate)");
    }
    const auto& e = verdict.trust_errors.front();
    return make("trust", check_status::fail,
                e.message + " at depth " + std::to_string(e.depth) + " (" +
                    (static_cast<std::size_t>(e.depth) < path.size()
                         ? short_name(path[static_cast<std::size_t>(e.depth)])
                         : std::string("the trust store")) +
                    ")");
}

check check_key_match(const probe::cert_info& leaf, const probe::key_file& key) {
    if (!key.spki_der.empty() && key.spki_der == leaf.spki_der) {
        return make("key", check_status::ok,
                    "the private key (" + key_text(key.key_type, key.key_bits) +
                        ") belongs to the leaf: SPKI sha256 " + short_digest(key.spki_sha256));
    }
    return make("key", check_status::fail,
                "the private key in " + key.source + " (" + key_text(key.key_type, key.key_bits) +
                    ", SPKI sha256 " + short_digest(key.spki_sha256) + ") is not the leaf's (" +
                    key_text(leaf.key_type, leaf.key_bits) + ", SPKI sha256 " +
                    short_digest(leaf.spki_sha256) + ")");
}

check check_validity(const std::vector<probe::cert_info>& path,
                     std::chrono::system_clock::time_point now, const candidate_thresholds& t) {
    const std::size_t n = checked_count(path);
    if (n == 0) {
        return make("validity", check_status::fail, "no certificate");
    }
    for (std::size_t i = 0; i < n; ++i) {
        const auto times = leaf_times(path[i], now);
        if (times.not_yet_valid) {
            return make("validity", check_status::fail,
                        labelled(path, i) + " is not valid before " +
                            date_text(path[i].not_before) +
                            ": deploying it now breaks every "
                            "sender that checks dates");
        }
        if (times.expired) {
            return make("validity", check_status::fail,
                        labelled(path, i) + " expired on " + date_text(path[i].not_after) + " (" +
                            std::to_string(-times.days_left) + " day(s) ago)");
        }
    }
    std::size_t first = 0;
    for (std::size_t i = 1; i < n; ++i) {
        if (path[i].not_after < path[first].not_after) {
            first = i;
        }
    }
    const auto times = leaf_times(path[first], now);
    const std::string which = first == 0 ? "the leaf" : labelled(path, first);
    if (times.days_left < t.min_days) {
        return make("validity", check_status::fail,
                    which + " expires on " + date_text(path[first].not_after) + ", " +
                        std::to_string(times.days_left) + " day(s) from now: fewer than the " +
                        std::to_string(t.min_days) + " required (--min-days)");
    }
    return make("validity", check_status::ok,
                "valid from " + date_text(path.front().not_before) + "; " + which +
                    " expires first, on " + date_text(path[first].not_after) + " (" +
                    std::to_string(times.days_left) + " days left, at least " +
                    std::to_string(t.min_days) + " required)");
}

check check_key_strength(const std::vector<probe::cert_info>& path, const candidate_thresholds& t) {
    const std::size_t n = checked_count(path);
    std::string summary;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& c = path[i];
        const bool rsa = c.key_type == "RSA" || c.key_type == "RSA-PSS";
        std::string why;
        if (rsa && c.key_bits < t.min_rsa_bits) {
            why = "RSA keys need at least " + std::to_string(t.min_rsa_bits) +
                  " bits (senders at OpenSSL security level 2 refuse smaller ones)";
        } else if (c.key_type == "EC" && c.key_bits < t.min_ec_bits) {
            why = "EC keys need at least " + std::to_string(t.min_ec_bits) + " bits";
        } else if (c.key_type == "DSA") {
            why = "DSA is not accepted for TLS certificates any more";
        } else if (c.key_type.empty()) {
            why = "the public key cannot be read";
        }
        if (!why.empty()) {
            return make("key-strength", check_status::fail,
                        labelled(path, i) + " has a " + key_text(c.key_type, c.key_bits) +
                            "-bit key: " + why);
        }
        summary += (summary.empty() ? "" : "; ") + role(path, i) + " " +
                   key_text(c.key_type, c.key_bits) +
                   (c.key_curve.empty() ? "" : " (" + c.key_curve + ")");
    }
    return make("key-strength", check_status::ok, summary);
}

check check_signatures(const std::vector<probe::cert_info>& path) {
    const std::size_t n = checked_count(path);
    std::string summary;
    for (std::size_t i = 0; i < n; ++i) {
        const auto& c = path[i];
        // A self-signed leaf's own signature is not checked by anyone either.
        if (!c.self_signed && is_weak_digest(c.signature_digest)) {
            return make("signature", check_status::fail,
                        labelled(path, i) + " is signed with " + c.signature_algorithm + ": " +
                            c.signature_digest +
                            " signatures are refused by current senders (SHA-256 or better)");
        }
        summary += (summary.empty() ? "" : "; ") + role(path, i) + " " + c.signature_algorithm;
    }
    return make("signature", check_status::ok, summary);
}

check check_server_auth(const std::vector<probe::cert_info>& path, bool purpose_error) {
    const std::size_t n = checked_count(path);
    for (std::size_t i = 0; i < n; ++i) {
        if (!path[i].server_auth_eku) {
            return make("eku", check_status::fail,
                        i == 0 ? "the leaf's extendedKeyUsage lacks serverAuth: senders refuse "
                                 "it for a TLS server"
                               : labelled(path, i) +
                                     " restricts extendedKeyUsage to purposes without serverAuth");
        }
    }
    if (purpose_error) {
        return make("eku", check_status::fail,
                    "OpenSSL finds the path unfit for a TLS server (unsupported certificate "
                    "purpose)");
    }
    return make("eku", check_status::ok,
                "the leaf may serve TLS (extendedKeyUsage serverAuth or no restriction)");
}

} // namespace policy
