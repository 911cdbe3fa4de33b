#pragma once
// Shared pieces of the hostile-peer suite: a test PKI and the script of a fake MX presenting
// it, a bounded way to run one probe coroutine to its end, and the process's resident memory,
// so a case can show that a flood from the peer did not end up in our buffers.

#include "probe/outcome.hpp"
#include "probe/smtp_session.hpp"
#include "probe/tls_context.hpp"
#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/test_certs.hpp"

#include <chrono>
#include <cstddef>
#include <exception>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <unistd.h>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <doctest/doctest.h>

// doctest 2.4.9 prints enums as numbers unless a toString is found by ADL (resolver's is in
// tests/support/resolver_harness.hpp).
namespace probe {
inline doctest::String toString(status s) { // NOLINT(readability-identifier-naming): doctest's name
    return doctest::String(std::string(to_string(s)).c_str());
}
inline doctest::String toString(phase p) { // NOLINT(readability-identifier-naming): doctest's name
    return doctest::String(std::string(to_string(p)).c_str());
}
} // namespace probe

namespace hostile {

using namespace std::chrono_literals;

/// One PKI per test binary: root, intermediate, and a leaf for mx.test.
struct pki_material {
    mxprobe_test::test_pki pki = mxprobe_test::test_pki::create();
    mxprobe_test::issued leaf =
        pki.leaf(mxprobe_test::cert_spec{.common_name = "mx.test", .dns_names = {"mx.test"}});
    std::string chain_pem = leaf.cert_pem() + pki.intermediate.cert_pem();
    std::string root_file = mxprobe_test::write_temp_file(pki.root.cert_pem());
};

inline const pki_material& material() {
    static const pki_material m;
    return m;
}

/// Every phase gets `each`; connecting gets more, since it is not what these tests attack.
inline probe::session_options deadlines(std::chrono::milliseconds each) {
    probe::session_options o;
    o.timeouts.connect = 2000ms;
    o.timeouts.banner = each;
    o.timeouts.command = each;
    o.timeouts.handshake = each;
    o.timeouts.quit = each;
    return o;
}

/// The fake MX's script for a well-behaved server presenting the material's chain.
inline mxprobe_test::smtp_script mx_script() {
    mxprobe_test::smtp_script s;
    s.tls.cert_chain_pem = material().chain_pem;
    s.tls.key_pem = material().leaf.key_pem();
    return s;
}

inline boost::asio::ssl::context trusting_context() {
    probe::tls_client_config config;
    config.ca_file = material().root_file;
    return probe::make_tls_context(config);
}

template <class T> struct finished {
    T value;
    std::chrono::milliseconds took{0};
};

/// Runs `op` on a fresh io_context on this thread to its end (the probe's own deadlines end
/// it) and says how long that took.
template <class T> finished<T> run(boost::asio::awaitable<T> op) {
    boost::asio::io_context io;
    std::optional<T> out;
    std::exception_ptr failure;
    const auto started = std::chrono::steady_clock::now();
    boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T r) {
        failure = std::move(e);
        out = std::move(r);
    });
    io.run();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (failure) {
        std::rethrow_exception(failure);
    }
    REQUIRE(out.has_value());
    return {std::move(*out), took};
}

/// The resident set size of this process, in bytes (Linux /proc).
inline std::size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t total = 0;
    std::size_t resident = 0;
    statm >> total >> resident;
    return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

/// Room for allocator noise, far below the flood a case sends (10 MiB and more). Under ASan
/// freed memory sits in quarantine and still counts, so only cases whose peer allocates
/// little while flooding (plain TCP, a reused buffer) can compare resident sizes.
inline constexpr std::size_t memory_slack = std::size_t{8} * 1024 * 1024;

} // namespace hostile
