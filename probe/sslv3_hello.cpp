#include "probe/sslv3_hello.hpp"

#include <array>
#include <cstdint>

#include <openssl/rand.h>

namespace probe {

namespace {

constexpr std::uint8_t content_handshake = 0x16;
constexpr std::uint8_t handshake_client_hello = 0x01;
constexpr std::uint8_t handshake_server_hello = 0x02;

// RFC 6101 suites: RSA and DHE key exchange with 3DES, RC4, AES (RFC 3268) and DES.
constexpr std::array<std::uint16_t, 12> suites{
    0x000A, 0x0005, 0x0004, 0x002F, 0x0035, 0x0016, 0x0033, 0x0039, 0x0009, 0x0015, 0x0013, 0x0032,
};

void put16(std::string& out, std::size_t v) {
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
}

} // namespace

std::string sslv3_client_hello() {
    std::string body;
    body.push_back(0x03); // client_version 3.0
    body.push_back(0x00);
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        random.fill(0x5A); // the value does not matter for detection
    }
    body.append(reinterpret_cast<const char*>(random.data()), random.size());
    body.push_back(0x00); // empty session id
    put16(body, suites.size() * 2);
    for (const std::uint16_t s : suites) {
        put16(body, s);
    }
    body.push_back(0x01); // one compression method: null
    body.push_back(0x00);

    std::string handshake;
    handshake.push_back(static_cast<char>(handshake_client_hello));
    handshake.push_back(0x00);
    put16(handshake, body.size());
    handshake += body;

    std::string record;
    record.push_back(static_cast<char>(content_handshake));
    record.push_back(0x03);
    record.push_back(0x00);
    put16(record, handshake.size());
    return record + handshake;
}

sslv3_answer read_sslv3_answer(std::string_view reply) {
    // record: type, version (2), length (2); handshake: type, length (3), server_version (2)
    if (reply.size() < 11) {
        return sslv3_answer::refused;
    }
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(reply[i]); };
    const bool server_hello = byte(0) == content_handshake && byte(5) == handshake_server_hello;
    return server_hello && byte(9) == 0x03 && byte(10) == 0x00 ? sslv3_answer::accepted
                                                               : sslv3_answer::refused;
}

} // namespace probe
