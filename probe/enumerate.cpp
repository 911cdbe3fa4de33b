#include "probe/enumerate.hpp"

#include "probe/busy_server.hpp"
#include "probe/legacy_walk.hpp"
#include "probe/openssl_ptr.hpp"
#include "probe/sslv3_hello.hpp"
#include "probe/suite_pool.hpp"
#include "probe/tls_context.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

namespace probe {

namespace asio = boost::asio;

namespace {

struct version_entry {
    const char* name;
    int id;
};

constexpr std::array<version_entry, 4> all_versions{{
    {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
}};

struct group_entry {
    const char* list_name; ///< as SSL_CTX_set1_groups_list takes it
    const char* wire_name; ///< as SSL_group_to_name reports it
};

constexpr std::array<group_entry, 10> all_groups{{
    {"X25519", "x25519"},
    {"P-256", "secp256r1"},
    {"P-384", "secp384r1"},
    {"P-521", "secp521r1"},
    {"X448", "x448"},
    {"ffdhe2048", "ffdhe2048"},
    {"ffdhe3072", "ffdhe3072"},
    {"ffdhe4096", "ffdhe4096"},
    {"ffdhe6144", "ffdhe6144"},
    {"ffdhe8192", "ffdhe8192"},
}};

const std::string tls13_suites =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:"
    "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";

struct suite_entry {
    std::string name;
    bool elliptic = false; ///< ECDHE or ECDSA: a ClientHello offering it has supported_groups
};

std::vector<suite_entry> split(const std::string& list) {
    std::vector<suite_entry> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        const auto end = std::min(list.find(':', start), list.size());
        if (end > start) {
            out.push_back({list.substr(start, end - start)});
        }
        start = end + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ":") + i;
    }
    return out;
}

std::string join(const std::vector<suite_entry>& items) {
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : ":") + i.name;
    }
    return out;
}

// Every TLS ≤ 1.2 suite this OpenSSL build can offer for `version`, anonymous and NULL
// ones included: the point is to find what the server would accept.
std::vector<suite_entry> offerable_suites(int version) {
    std::vector<suite_entry> out;
    tls_client_config config;
    config.cipher_list = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
    config.min_version = version;
    config.max_version = version;
    config.load_trust_store = false;
    asio::ssl::context ctx = make_tls_context(config);
    // SSL_get1_supported_ciphers filters by the versions the SSL object may use.
    ssl_ptr ssl(SSL_new(ctx.native_handle()));
    if (!ssl) {
        return out;
    }
    const cipher_stack_ptr ciphers(SSL_get1_supported_ciphers(ssl.get()));
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers.get()); ++i) {
        const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers.get(), i);
        if (std::string_view(SSL_CIPHER_get_version(c)) != "TLSv1.3") {
            const int kx = SSL_CIPHER_get_kx_nid(c);
            out.push_back(
                {SSL_CIPHER_get_name(c), kx == NID_kx_ecdhe || kx == NID_kx_ecdhe_psk ||
                                             SSL_CIPHER_get_auth_nid(c) == NID_auth_ecdsa});
        }
    }
    return out;
}

struct attempt {
    asio::ip::tcp::endpoint endpoint;
    std::string host;
    session_options options;
};

asio::awaitable<session_result> async_try(const attempt& a, const tls_client_config& config,
                                          enumeration_result& out) {
    asio::ssl::context ctx = make_tls_context(config);
    co_return co_await async_patient_session(
        [&] { return async_smtp_session(a.endpoint, a.host, a.options, ctx); }, out);
}

bool refused_by_server(const session_result& r) {
    return r.outcome == status::handshake_error;
}

// Offer all, note the choice, remove it, repeat; returns the accepted suites in order.
asio::awaitable<std::vector<std::string>> async_walk_suites(const attempt& a, int version,
                                                            std::vector<suite_entry> pool,
                                                            enumeration_result& out) {
    std::vector<std::string> accepted;
    bool narrowed = false;
    while (!pool.empty()) {
        tls_client_config config;
        config.min_version = version;
        config.max_version = version;
        config.load_trust_store = false;
        if (version == TLS1_3_VERSION) {
            config.ciphersuites = join(pool);
        } else {
            config.cipher_list = join(pool) + ":@SECLEVEL=0";
        }
        const session_result r = co_await async_try(a, config, out);
        if (!r.tls) {
            if (!refused_by_server(r)) {
                out.notes.push_back(std::string(to_string(r.outcome)) + " in phase " +
                                    std::string(to_string(r.failed_phase)) +
                                    " while enumerating: " + r.error);
            } else if (version != TLS1_3_VERSION && !narrowed &&
                       narrow_to_non_elliptic(pool, r.tls_alert)) {
                narrowed = true;
                continue;
            }
            break;
        }
        accepted.push_back(r.tls->cipher);
        out.anonymous_accepted = out.anonymous_accepted || r.tls->anonymous;
        // Anonymous suites are reported as such; their DH group protects nothing an active
        // attacker cannot take anyway, and OpenSSL servers size it by the cipher alone.
        if (version != TLS1_3_VERSION && !r.tls->anonymous && r.tls->server_temp_key_type == "DH" &&
            (out.dhe_min_bits == 0 || r.tls->server_temp_key_bits < out.dhe_min_bits)) {
            out.dhe_min_bits = r.tls->server_temp_key_bits;
        }
        const auto chosen = std::find_if(pool.begin(), pool.end(), [&](const suite_entry& s) {
            return s.name == r.tls->cipher;
        });
        if (chosen == pool.end()) {
            out.notes.push_back("server chose " + r.tls->cipher + ", which was not offered");
            break;
        }
        pool.erase(chosen);
    }
    co_return accepted;
}

// Offered in reverse, a server that picks by its own preference still picks its favourite.
asio::awaitable<std::string> async_cipher_order(const attempt& a, int version,
                                                const std::vector<std::string>& accepted,
                                                enumeration_result& out) {
    if (accepted.size() < 2) {
        co_return "single";
    }
    std::vector<std::string> reversed(accepted.rbegin(), accepted.rend());
    tls_client_config config;
    config.min_version = version;
    config.max_version = version;
    config.load_trust_store = false;
    if (version == TLS1_3_VERSION) {
        config.ciphersuites = join(reversed);
    } else {
        config.cipher_list = join(reversed) + ":@SECLEVEL=0";
    }
    const session_result r = co_await async_try(a, config, out);
    if (!r.tls) {
        co_return "unknown";
    }
    co_return r.tls->cipher == accepted.front() ? "server" : "client";
}

asio::awaitable<session_result> async_try_groups(const attempt& a, int version,
                                                 const std::vector<group_entry>& groups,
                                                 enumeration_result& out) {
    std::vector<std::string> names;
    names.reserve(groups.size());
    for (const auto& g : groups) {
        names.emplace_back(g.list_name);
    }
    tls_client_config config;
    config.min_version = version;
    config.max_version = version;
    config.load_trust_store = false;
    config.groups = join(names);
    if (version != TLS1_3_VERSION) {
        config.cipher_list = "ECDHE:@SECLEVEL=0";
    }
    co_return co_await async_try(a, config, out);
}

// The TLS group that carries an EC certificate's curve, named as OpenSSL names the key's group.
std::optional<group_entry> certificate_group(const session_result& r) {
    if (!r.tls || r.tls->chain.empty() || r.tls->chain.front().key_type != "EC") {
        return std::nullopt;
    }
    // OpenSSL names P-256 by its X9.62 name; the other curves share their SEC 2 names.
    const std::string& curve = r.tls->chain.front().key_curve;
    const std::string_view wire = curve == "prime256v1" ? std::string_view("secp256r1") : curve;
    const auto it = std::find_if(all_groups.begin(), all_groups.end(),
                                 [&](const group_entry& g) { return wire == g.wire_name; });
    if (it == all_groups.end()) {
        return std::nullopt;
    }
    return *it;
}

bool contains_group(const std::vector<group_entry>& pool, const group_entry& g) {
    return std::any_of(pool.begin(), pool.end(), [&](const group_entry& p) {
        return std::string_view(p.wire_name) == g.wire_name;
    });
}

// Before TLS 1.3 the supported_groups list also limits the curve of an ECDSA certificate
// (RFC 8422 §5.1): once the walk has removed that curve the server cannot use its certificate
// and refuses. So with an EC certificate, a refusal at TLS 1.2 is tried once more with the
// certificate's curve offered last; if the server then picks that curve again, nothing else is
// left. (A server that prefers its certificate's curve by its own order hides further groups
// this way: at TLS 1.2 with only an EC certificate that cannot be told apart from "no more".)
asio::awaitable<void> async_walk_groups(const attempt& a, int version, enumeration_result& out) {
    std::vector<group_entry> pool(all_groups.begin(), all_groups.end());
    const bool tls13 = version == TLS1_3_VERSION;
    if (!tls13) {
        // Before TLS 1.3 the client's group list only steers ECDHE.
        std::erase_if(pool, [](const group_entry& g) {
            return std::string(g.list_name).starts_with("ffdhe");
        });
    }
    std::optional<group_entry> anchor;
    while (!pool.empty()) {
        session_result r = co_await async_try_groups(a, version, pool, out);
        bool anchored = false;
        if (!r.tls && !tls13 && anchor && !contains_group(pool, *anchor)) {
            auto with_anchor = pool;
            with_anchor.push_back(*anchor);
            r = co_await async_try_groups(a, version, with_anchor, out);
            anchored = true;
        }
        if (!r.tls || r.tls->group.empty()) {
            break;
        }
        if (anchored && r.tls->group == anchor->wire_name) {
            break;
        }
        const auto chosen = std::find_if(pool.begin(), pool.end(), [&](const group_entry& g) {
            return r.tls->group == g.wire_name;
        });
        if (chosen == pool.end()) {
            out.notes.push_back("server chose group " + r.tls->group + ", which was not offered");
            break;
        }
        out.groups.emplace_back(chosen->wire_name);
        if (!anchor && !tls13) {
            anchor = certificate_group(r);
        }
        pool.erase(chosen);
    }
}

// Empty when the server would not talk to us (busy, gone): unknown, not "refused".
asio::awaitable<std::optional<bool>> async_accepts_sslv3(const attempt& a,
                                                         enumeration_result& out) {
    const session_result r =
        co_await async_raw_hello_session(a.endpoint, a.host, a.options, sslv3_client_hello(), out);
    if (r.outcome != status::success && r.outcome != status::handshake_error) {
        out.notes.push_back(std::string(to_string(r.outcome)) + " in phase " +
                            std::string(to_string(r.failed_phase)) +
                            " while asking for SSLv3: " + r.error);
        co_return std::nullopt;
    }
    co_return read_sslv3_answer(r.raw_tls_reply) == sslv3_answer::accepted;
}

// 3DES and RC4, at each version before TLS 1.3 the server speaks, or at all of them when it
// accepted nothing this OpenSSL can offer (old servers knew only RC4 and 3DES).
asio::awaitable<void> async_add_legacy_suites(const attempt& a, enumeration_result& out) {
    const auto accepts = [&](const char* version) {
        const auto it = out.versions.find(version);
        return it != out.versions.end() && it->second;
    };
    const bool none_before_tls13 = !accepts("TLSv1") && !accepts("TLSv1.1") && !accepts("TLSv1.2");
    for (const auto& v : all_versions) {
        if (v.id == TLS1_3_VERSION || (!accepts(v.name) && !none_before_tls13)) {
            continue;
        }
        const std::size_t notes_before = out.notes.size();
        std::vector<std::string> legacy =
            co_await async_walk_legacy_suites(a.endpoint, a.host, a.options, v.id, out);
        if (!legacy.empty()) {
            auto& listed = out.ciphers[v.name];
            if (listed.empty()) {
                out.cipher_order[v.name] = legacy.size() == 1 ? "single" : "unknown";
            }
            listed.insert(listed.end(), legacy.begin(), legacy.end());
            out.versions[v.name] = true;
        }
        if (out.notes.size() > notes_before) {
            break; // the server stopped talking to us
        }
    }
}

} // namespace

asio::awaitable<enumeration_result> async_enumerate(asio::ip::tcp::endpoint endpoint,
                                                    std::string host, session_options options) {
    options.inspect_chain = false;
    options.ehlo_after_tls = false;
    const attempt a{endpoint, std::move(host), std::move(options)};
    enumeration_result out;
    const auto sslv3 = co_await async_accepts_sslv3(a, out);
    if (!sslv3) {
        co_return out; // the server does not talk to us: nothing is known, nothing refused
    }
    out.versions["SSLv3"] = *sslv3;
    int best_version = 0;
    bool stopped = false;
    for (const auto& v : all_versions) {
        std::vector<suite_entry> pool =
            v.id == TLS1_3_VERSION ? split(tls13_suites) : offerable_suites(v.id);
        const std::size_t notes_before = out.notes.size();
        std::vector<std::string> accepted =
            co_await async_walk_suites(a, v.id, std::move(pool), out);
        if (accepted.empty() && out.notes.size() > notes_before) {
            // The server stopped talking to us: this version is unknown, not refused; stop
            // rather than hammer it.
            stopped = true;
            break;
        }
        out.versions[v.name] = !accepted.empty();
        if (accepted.empty()) {
            continue;
        }
        out.cipher_order[v.name] = co_await async_cipher_order(a, v.id, accepted, out);
        out.ciphers[v.name] = std::move(accepted);
        best_version = v.id;
    }
    if (best_version >= TLS1_2_VERSION) {
        co_await async_walk_groups(a, best_version, out);
    }
    if (!stopped) {
        co_await async_add_legacy_suites(a, out);
    }
    co_return out;
}

} // namespace probe
