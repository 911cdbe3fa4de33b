// The least CPU a client built on this machine's OpenSSL can spend on one full STARTTLS
// session, as a floor under `mxprobe scan`'s figure in tools/bench/scan. It does what a
// probe's session does on the wire and nothing else: connect, read the greeting, EHLO,
// STARTTLS, the TLS handshake (SNI, one shared SSL_CTX, no tickets, no session cache), EHLO
// inside TLS, QUIT, close. No DNS, no facts kept, no output but the total; blocking
// sockets, one session after another, so nothing is spent on an event loop either.
//
//   session_floor --connect 127.0.0.21:2525 --sni mx-valid.lab.test --sessions 2000
//                 [--ca-file root.crt] [--direct-keys]
//   session_floor --in-memory --chain chain.pem --key key.pem [--ca-file root.crt]
//                 [--direct-keys] [--sessions 2000]
//
// --ca-file verifies the chain (as posttls-finger -l secure does); --direct-keys puts
// probe/direct_key_decoding.hpp in force first, as mxprobe does. Prints sessions, CPU per
// session (user + system, from getrusage) and sessions per second of wall time. Loopback
// only: the address must be in 127.0.0.0/8.
//
// --in-memory goes below even that: the TLS handshake alone, between a client and a server
// in this process joined by a BIO pair, no socket, no system call; only the client's calls
// (SSL_new, SSL_do_handshake, SSL_free) are timed, by the thread's CPU clock. That is what
// OpenSSL itself spends on the client's half of a handshake with this certificate chain.

#include "probe/direct_key_decoding.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

struct settings {
    std::string address = "127.0.0.21";
    unsigned short port = 2525;
    std::string sni = "mx-valid.lab.test";
    unsigned sessions = 2000;
    std::string ca_file;
    bool direct_keys = false;
    bool in_memory = false;
    std::string chain; ///< --in-memory: the server's chain (PEM) and key
    std::string key;
};

[[noreturn]] void die(const std::string& what) {
    (void)std::fprintf(stderr, "session_floor: %s\n", what.c_str());
    ERR_print_errors_fp(stderr);
    std::exit(1);
}

settings parse(int argc, char** argv) {
    settings s;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                die(arg + " needs a value");
            }
            return argv[++i];
        };
        if (arg == "--connect") {
            const std::string target = value();
            const auto colon = target.rfind(':');
            if (colon == std::string::npos) {
                die("--connect takes IP:PORT");
            }
            s.address = target.substr(0, colon);
            s.port = static_cast<unsigned short>(std::stoul(target.substr(colon + 1)));
        } else if (arg == "--sni") {
            s.sni = value();
        } else if (arg == "--sessions") {
            s.sessions = static_cast<unsigned>(std::stoul(value()));
        } else if (arg == "--ca-file") {
            s.ca_file = value();
        } else if (arg == "--direct-keys") {
            s.direct_keys = true;
        } else if (arg == "--in-memory") {
            s.in_memory = true;
        } else if (arg == "--chain") {
            s.chain = value();
        } else if (arg == "--key") {
            s.key = value();
        } else {
            die("unknown option " + arg);
        }
    }
    if (s.in_memory && (s.chain.empty() || s.key.empty())) {
        die("--in-memory needs --chain and --key");
    }
    if (s.address.rfind("127.", 0) != 0) {
        die("only loopback addresses (127.0.0.0/8) are allowed");
    }
    return s;
}

// A whole SMTP reply: lines until one whose fourth character is a space. Returns the code.
template <class Read> int read_reply(Read read) {
    std::string text;
    std::size_t line_start = 0;
    char buffer[4096];
    for (;;) {
        for (auto eol = text.find("\r\n", line_start); eol != std::string::npos;
             eol = text.find("\r\n", line_start)) {
            if (eol - line_start >= 4 && text[line_start + 3] == ' ') {
                return std::atoi(text.c_str() + line_start);
            }
            line_start = eol + 2;
        }
        const long n = read(buffer, sizeof buffer);
        if (n <= 0 || text.size() > 65536) {
            return -1;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

void send_all(int fd, const char* text) {
    const std::size_t size = std::strlen(text);
    if (::send(fd, text, size, MSG_NOSIGNAL) != static_cast<ssize_t>(size)) {
        die("send failed");
    }
}

void one_session(SSL_CTX* ctx, const settings& s, const sockaddr_in& peer) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        die("socket failed");
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&peer), sizeof peer) != 0) {
        die("connect failed");
    }
    const auto plain = [fd](char* b, std::size_t n) { return ::recv(fd, b, n, 0); };
    if (read_reply(plain) != 220) {
        die("no 220 greeting");
    }
    send_all(fd, "EHLO floor.bench.test\r\n");
    if (read_reply(plain) != 250) {
        die("EHLO refused");
    }
    send_all(fd, "STARTTLS\r\n");
    if (read_reply(plain) != 220) {
        die("STARTTLS refused");
    }
    SSL* ssl = SSL_new(ctx);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1 ||
        SSL_set_tlsext_host_name(ssl, s.sni.c_str()) != 1 || SSL_connect(ssl) != 1) {
        die("TLS handshake failed");
    }
    if (!s.ca_file.empty() && SSL_get_verify_result(ssl) != X509_V_OK) {
        die("chain not verified");
    }
    const auto secure = [ssl](char* b, std::size_t n) {
        return static_cast<long>(SSL_read(ssl, b, static_cast<int>(n)));
    };
    const auto secure_send = [ssl](const char* text) {
        if (SSL_write(ssl, text, static_cast<int>(std::strlen(text))) <= 0) {
            die("write inside TLS failed");
        }
    };
    secure_send("EHLO floor.bench.test\r\n");
    if (read_reply(secure) != 250) {
        die("EHLO inside TLS refused");
    }
    secure_send("QUIT\r\n");
    read_reply(secure);
    SSL_free(ssl);
    ::close(fd);
}

struct cpu_time {
    double user = 0;
    double system = 0;
};

cpu_time cpu_now() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

double thread_cpu_seconds() {
    timespec t{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// One handshake over a BIO pair; returns the CPU seconds spent in the client's calls.
double one_handshake_in_memory(SSL_CTX* client_ctx, SSL_CTX* server_ctx, const settings& s) {
    double client_cpu = 0;
    const auto timed = [&client_cpu](auto&& call) {
        const double t0 = thread_cpu_seconds();
        auto result = call();
        client_cpu += thread_cpu_seconds() - t0;
        return result;
    };
    // The server's calls run with direct decoding held off: its key was made for the
    // default provider, which is what a real server would use.
    const auto server_side = [](auto&& call) {
        const probe::direct_key_decoding_pause pause;
        return call();
    };
    SSL* client = timed([&] { return SSL_new(client_ctx); });
    SSL* server = server_side([&] { return SSL_new(server_ctx); });
    BIO* client_end = nullptr;
    BIO* server_end = nullptr;
    if (client == nullptr || server == nullptr ||
        BIO_new_bio_pair(&client_end, 0, &server_end, 0) != 1) {
        die("cannot set up the in-memory pair");
    }
    SSL_set_bio(client, client_end, client_end);
    SSL_set_bio(server, server_end, server_end);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    SSL_set_tlsext_host_name(client, s.sni.c_str());
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
        client_done = client_done || timed([&] { return SSL_do_handshake(client); }) == 1;
        server_done = server_done || server_side([&] { return SSL_do_handshake(server); }) == 1;
    }
    if (!client_done || !server_done) {
        die("in-memory handshake failed");
    }
    if (!s.ca_file.empty() && SSL_get_verify_result(client) != X509_V_OK) {
        die("chain not verified");
    }
    timed([&] {
        SSL_free(client);
        return 0;
    });
    server_side([&] {
        SSL_free(server);
        return 0;
    });
    return client_cpu;
}

void run_in_memory(SSL_CTX* client_ctx, const settings& s) {
    SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
    if (server_ctx == nullptr ||
        SSL_CTX_use_certificate_chain_file(server_ctx, s.chain.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(server_ctx, s.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        die("cannot load the server's chain and key");
    }
    SSL_CTX_set_options(server_ctx, SSL_OP_NO_TICKET);
    one_handshake_in_memory(client_ctx, server_ctx, s); // warm-up
    double client = 0;
    for (unsigned i = 0; i < s.sessions; ++i) {
        client += one_handshake_in_memory(client_ctx, server_ctx, s);
    }
    std::printf("session_floor --in-memory%s%s: %u handshakes, client CPU %.3f ms/handshake "
                "(OpenSSL's calls only, no system calls)\n",
                s.ca_file.empty() ? "" : " (chain verified)", s.direct_keys ? " (direct keys)" : "",
                s.sessions, 1000.0 * client / s.sessions);
    SSL_CTX_free(server_ctx);
}

} // namespace

int main(int argc, char** argv) {
    const settings s = parse(argc, argv);
    if (s.direct_keys && !probe::use_direct_key_decoding()) {
        die("direct key decoding is not available with this OpenSSL");
    }
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) {
        die("SSL_CTX_new failed");
    }
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    if (!s.ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, s.ca_file.c_str(), nullptr) != 1) {
            die("cannot load " + s.ca_file);
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr); // checked by the result
    }
    if (s.in_memory) {
        run_in_memory(ctx, s);
        SSL_CTX_free(ctx);
        return 0;
    }
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(s.port);
    if (::inet_pton(AF_INET, s.address.c_str(), &peer.sin_addr) != 1) {
        die("bad address " + s.address);
    }
    one_session(ctx, s, peer); // warm-up: the first session pays OpenSSL's lazy set-up
    const cpu_time cpu0 = cpu_now();
    const auto wall0 = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < s.sessions; ++i) {
        one_session(ctx, s, peer);
    }
    const cpu_time cpu1 = cpu_now();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    const double per_session = 1000.0 / s.sessions;
    const double user = (cpu1.user - cpu0.user) * per_session;
    const double system = (cpu1.system - cpu0.system) * per_session;
    std::printf("session_floor%s%s: %u sessions, client CPU %.3f ms/session (user %.3f + "
                "system %.3f), %.0f sessions/s\n",
                s.ca_file.empty() ? "" : " (chain verified)", s.direct_keys ? " (direct keys)" : "",
                s.sessions, user + system, user, system, s.sessions / wall);
    SSL_CTX_free(ctx);
    return 0;
}
