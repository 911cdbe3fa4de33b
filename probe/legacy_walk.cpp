#include "probe/legacy_walk.hpp"

#include "probe/busy_server.hpp"
#include "probe/legacy_hello.hpp"
#include "probe/suite_pool.hpp"
#include "probe/tls_context.hpp"

#include <algorithm>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

namespace probe {

namespace asio = boost::asio;

namespace {

std::string hex_code(std::uint16_t code) {
    constexpr std::string_view digits = "0123456789ABCDEF";
    std::string out = "0x";
    for (int shift = 12; shift >= 0; shift -= 4) {
        out += digits[(code >> shift) & 0xF];
    }
    return out;
}

} // namespace

asio::awaitable<session_result> async_raw_hello_session(asio::ip::tcp::endpoint endpoint,
                                                        std::string host, session_options options,
                                                        std::string hello,
                                                        enumeration_result& out) {
    options.raw_client_hello = std::move(hello);
    tls_client_config config;
    config.load_trust_store = false;
    asio::ssl::context ctx = make_tls_context(config); // required by the session, never used
    co_return co_await async_patient_session(
        [&] { return async_smtp_session(endpoint, host, options, ctx); }, out);
}

asio::awaitable<std::vector<std::string>>
async_walk_legacy_suites(asio::ip::tcp::endpoint endpoint, std::string host,
                         session_options options, int version, enumeration_result& out) {
    std::vector<legacy_suite> pool = suites_unknown_to_openssl();
    std::vector<std::string> accepted;
    bool narrowed = false;
    while (!pool.empty()) {
        std::vector<std::uint16_t> codes;
        codes.reserve(pool.size());
        for (const auto& s : pool) {
            codes.push_back(s.code);
        }
        const session_result r = co_await async_raw_hello_session(
            endpoint, host, options, legacy_client_hello(version, codes, host), out);
        if (r.outcome != status::success && r.outcome != status::handshake_error) {
            out.notes.push_back(std::string(to_string(r.outcome)) +
                                " while enumerating 3DES/RC4 suites: " + r.error);
            break;
        }
        const hello_answer answer = read_server_hello(r.raw_tls_reply);
        if (answer.kind != hello_answer_kind::server_hello || answer.version != version) {
            // An alert, a close, or a ServerHello for another version: nothing more here.
            if (!narrowed && answer.kind == hello_answer_kind::alert &&
                narrow_to_non_elliptic(pool, answer.alert)) {
                narrowed = true;
                continue;
            }
            break;
        }
        const auto chosen = std::find_if(pool.begin(), pool.end(), [&](const legacy_suite& s) {
            return s.code == answer.suite;
        });
        if (chosen == pool.end()) {
            out.notes.push_back("server chose suite " + hex_code(answer.suite) +
                                " in answer to a 3DES/RC4 offer that did not hold it");
            break;
        }
        accepted.push_back(chosen->name);
        out.anonymous_accepted =
            out.anonymous_accepted || chosen->standard.find("_anon_") != std::string::npos;
        pool.erase(chosen);
    }
    co_return accepted;
}

} // namespace probe
