#include "policy/cipher_rank.hpp"

namespace policy {

namespace {

bool has(std::string_view name, std::string_view part) {
    return name.find(part) != std::string_view::npos;
}

bool is_tls13_suite(std::string_view name) {
    return name.starts_with("TLS_");
}

} // namespace

int version_rank(std::string_view v) {
    if (v == "SSLv3") {
        return 1;
    }
    if (v == "TLSv1") {
        return 2;
    }
    if (v == "TLSv1.1") {
        return 3;
    }
    if (v == "TLSv1.2") {
        return 4;
    }
    if (v == "TLSv1.3") {
        return 5;
    }
    return 0;
}

bool cipher_has_forward_secrecy(std::string_view name) {
    return is_tls13_suite(name) || name.starts_with("ECDHE-") || name.starts_with("DHE-") ||
           name.starts_with("EDH-");
}

int cipher_rank(std::string_view name) {
    if (name.empty()) {
        return 0;
    }
    // Broken first: each of these alone makes a suite unacceptable.
    if (has(name, "NULL") || has(name, "EXP") || name.starts_with("ADH") ||
        name.starts_with("AECDH") || has(name, "anon")) {
        return 1;
    }
    if (has(name, "RC4") || has(name, "MD5")) {
        return 2;
    }
    if (has(name, "DES-CBC3") || has(name, "3DES") || has(name, "-DES-") ||
        name.starts_with("DES-")) {
        return 3;
    }
    int score = 100;
    if (is_tls13_suite(name)) {
        score += 400; // always AEAD with forward secrecy
    } else {
        score += cipher_has_forward_secrecy(name) ? 200 : 0;
        score += name.starts_with("ECDHE-") ? 20 : 0; // ECDHE over finite-field DHE
    }
    if (has(name, "GCM") || has(name, "CHACHA20") || has(name, "CCM")) {
        score += 100;
    }
    if (has(name, "CCM8") || has(name, "CCM_8")) {
        score -= 30; // a truncated tag
    }
    if (has(name, "256") || has(name, "CHACHA20")) {
        score += 10;
    }
    if (has(name, "SHA384")) {
        score += 2;
    } else if (has(name, "SHA256")) {
        score += 1;
    }
    if (has(name, "CAMELLIA") || has(name, "ARIA") || has(name, "SEED") || has(name, "IDEA")) {
        score -= 5; // fine, but nobody's first choice
    }
    return score;
}

} // namespace policy
