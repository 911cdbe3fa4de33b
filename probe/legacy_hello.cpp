#include "probe/legacy_hello.hpp"

#include "probe/openssl_error.hpp"
#include "probe/openssl_ptr.hpp"

#include <algorithm>
#include <array>

#include <boost/asio/ip/address.hpp>
#include <openssl/rand.h>
#include <openssl/ssl.h>

namespace probe {

namespace {

constexpr std::uint8_t content_alert = 0x15;
constexpr std::uint8_t content_handshake = 0x16;
constexpr std::uint8_t handshake_client_hello = 0x01;
constexpr std::uint8_t handshake_server_hello = 0x02;
constexpr std::uint16_t renegotiation_scsv = 0x00FF; // RFC 5746 §3.3

// Record header (5), handshake header (4), version (2), random (32): the session id length
// is the next byte.
constexpr std::size_t session_id_length_at = 5 + 4 + 2 + 32;

// The 3DES (RFC 5246, 4492, 8422) and RC4 (RFC 7465 forbids them) suites still seen on mail
// servers, with the names OpenSSL 1.1 gave them.
const std::array<legacy_suite, 13> registry{{
    {0x000A, "DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", false},
    {0x0013, "DHE-DSS-DES-CBC3-SHA", "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", false},
    {0x0016, "DHE-RSA-DES-CBC3-SHA", "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", false},
    {0x001B, "ADH-DES-CBC3-SHA", "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", false},
    {0xC008, "ECDHE-ECDSA-DES-CBC3-SHA", "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", true},
    {0xC012, "ECDHE-RSA-DES-CBC3-SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", true},
    {0xC017, "AECDH-DES-CBC3-SHA", "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", true},
    {0x0004, "RC4-MD5", "TLS_RSA_WITH_RC4_128_MD5", false},
    {0x0005, "RC4-SHA", "TLS_RSA_WITH_RC4_128_SHA", false},
    {0x0018, "ADH-RC4-MD5", "TLS_DH_anon_WITH_RC4_128_MD5", false},
    {0xC007, "ECDHE-ECDSA-RC4-SHA", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", true},
    {0xC011, "ECDHE-RSA-RC4-SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA", true},
    {0xC016, "AECDH-RC4-SHA", "TLS_ECDH_anon_WITH_RC4_128_SHA", true},
}};

// x25519, secp256r1, secp384r1, secp521r1.
constexpr std::array<std::uint16_t, 4> groups{0x001D, 0x0017, 0x0018, 0x0019};

// ECDSA and RSA (PKCS#1 and PSS) with SHA-256/384/512, then the SHA-1 ones older servers
// may need.
constexpr std::array<std::uint16_t, 11> signature_algorithms{
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0603, 0x0806, 0x0601, 0x0203, 0x0201,
};

void put8(std::string& out, std::size_t v) {
    out.push_back(static_cast<char>(v & 0xFF));
}

void put16(std::string& out, std::size_t v) {
    put8(out, v >> 8);
    put8(out, v);
}

void put24(std::string& out, std::size_t v) {
    put8(out, v >> 16);
    put16(out, v);
}

void put_extension(std::string& out, std::uint16_t type, const std::string& data) {
    put16(out, type);
    put16(out, data.size());
    out += data;
}

bool is_elliptic(std::uint16_t code) {
    return std::any_of(registry.begin(), registry.end(),
                       [&](const legacy_suite& s) { return s.code == code && s.elliptic; });
}

// SNI carries host names only (RFC 6066 §3): no IP literals, no trailing dot.
std::string sni_name(const std::string& host) {
    std::string name = host;
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    boost::system::error_code ec;
    boost::asio::ip::make_address(name, ec);
    return ec || name.empty() ? name : std::string();
}

std::uint8_t byte_at(std::string_view s, std::size_t i) {
    return static_cast<std::uint8_t>(s[i]);
}

} // namespace

std::vector<legacy_suite> suites_unknown_to_openssl() {
    std::vector<legacy_suite> out;
    openssl_error_guard guard;
    const ssl_ctx_ptr ctx(SSL_CTX_new(TLS_client_method()));
    const ssl_ptr ssl(ctx ? SSL_new(ctx.get()) : nullptr);
    for (const auto& suite : registry) {
        const std::array<unsigned char, 2> wire{static_cast<unsigned char>(suite.code >> 8),
                                                static_cast<unsigned char>(suite.code & 0xFF)};
        // SSL_CIPHER_find looks in the compiled-in table, whatever the cipher string says.
        if (!ssl || SSL_CIPHER_find(ssl.get(), wire.data()) == nullptr) {
            out.push_back(suite);
        }
    }
    return out;
}

std::string legacy_client_hello(int version, const std::vector<std::uint16_t>& suites,
                                const std::string& host) {
    std::string body;
    put16(body, static_cast<std::size_t>(version));
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        random.fill(0x5A); // only the server's choice matters, not the secrecy of this hello
    }
    body.append(reinterpret_cast<const char*>(random.data()), random.size());
    put8(body, 0); // no session id
    put16(body, (suites.size() + 1) * 2);
    for (const std::uint16_t s : suites) {
        put16(body, s);
    }
    put16(body, renegotiation_scsv);
    put8(body, 1); // one compression method: null
    put8(body, 0);

    std::string extensions;
    if (const std::string name = sni_name(host); !name.empty()) {
        std::string entry;
        put8(entry, 0); // host_name
        put16(entry, name.size());
        entry += name;
        std::string list;
        put16(list, entry.size());
        put_extension(extensions, 0x0000, list + entry);
    }
    if (std::any_of(suites.begin(), suites.end(), is_elliptic)) {
        std::string list;
        put16(list, groups.size() * 2);
        for (const std::uint16_t g : groups) {
            put16(list, g);
        }
        put_extension(extensions, 0x000A, list);
        put_extension(extensions, 0x000B, std::string("\x01\x00", 2)); // uncompressed points
    }
    if (version >= TLS1_2_VERSION) {
        std::string list;
        put16(list, signature_algorithms.size() * 2);
        for (const std::uint16_t a : signature_algorithms) {
            put16(list, a);
        }
        put_extension(extensions, 0x000D, list);
    }
    if (!extensions.empty()) {
        put16(body, extensions.size());
        body += extensions;
    }

    std::string handshake;
    put8(handshake, handshake_client_hello);
    put24(handshake, body.size());
    handshake += body;

    std::string record;
    put8(record, content_handshake);
    put16(record, TLS1_VERSION); // the record version most servers expect in a first hello
    put16(record, handshake.size());
    return record + handshake;
}

std::size_t server_hello_bytes_wanted(std::string_view reply) {
    if (reply.size() < 5) {
        return 5 - reply.size();
    }
    const std::size_t record_end = 5 + ((std::size_t{byte_at(reply, 3)} << 8) | byte_at(reply, 4));
    std::size_t needed = 0;
    if (byte_at(reply, 0) == content_alert) {
        needed = 7;
    } else if (byte_at(reply, 0) == content_handshake) {
        needed = session_id_length_at + 1;
        if (reply.size() >= needed) {
            needed += byte_at(reply, session_id_length_at) + 3; // session id, suite, compression
        }
        needed = std::min(needed, record_end); // a short record decides too: it is malformed
    }
    return reply.size() >= needed ? 0 : needed - reply.size();
}

hello_answer read_server_hello(std::string_view reply) {
    hello_answer out;
    if (reply.size() < 5) {
        return out;
    }
    const std::size_t record_end = 5 + ((std::size_t{byte_at(reply, 3)} << 8) | byte_at(reply, 4));
    if (byte_at(reply, 0) == content_alert) {
        if (reply.size() >= 7 && record_end >= 7) {
            out.kind = hello_answer_kind::alert;
            out.alert = byte_at(reply, 6);
        }
        return out;
    }
    if (byte_at(reply, 0) != content_handshake || reply.size() <= session_id_length_at ||
        byte_at(reply, 5) != handshake_server_hello) {
        return out;
    }
    const std::size_t suite_at = session_id_length_at + 1 + byte_at(reply, session_id_length_at);
    if (reply.size() < suite_at + 2 || record_end < suite_at + 2) {
        return out;
    }
    out.kind = hello_answer_kind::server_hello;
    out.version = (byte_at(reply, 9) << 8) | byte_at(reply, 10);
    out.suite =
        static_cast<std::uint16_t>((byte_at(reply, suite_at) << 8) | byte_at(reply, suite_at + 1));
    return out;
}

} // namespace probe
