#pragma once
// An in-process SMTP server for loopback tests of the STARTTLS probe. It listens on
// 127.0.0.1 port 0 and runs its own io_context on its own thread, so the probe's io_context
// is driven on the test's thread. Each test scripts it with one smtp_script: the greeting,
// the EHLO reply, the answer to STARTTLS, the TLS side (chain, key, versions, suites) and at
// most one misbehaviour. Every misbehaviour is bounded: it ends when the client disconnects
// or when the server is destroyed. The server records the commands it received, the SNI
// names it saw and how many connections it accepted.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace mxprobe_test {

/// The server side of the TLS handshake.
struct smtp_tls_config {
    std::string cert_chain_pem; ///< leaf first, then intermediates
    std::string key_pem;
    int min_version = 0;            ///< e.g. TLS1_2_VERSION; 0 keeps the library default
    int max_version = 0;            ///< 0: the highest the library supports
    std::string cipher_list;        ///< TLS ≤ 1.2 suites; empty keeps the default
    std::string ciphersuites;       ///< TLS 1.3 suites; empty keeps the default
    std::string groups;             ///< key-exchange groups; empty keeps the default
    bool server_preference = false; ///< SSL_OP_CIPHER_SERVER_PREFERENCE
    /// OpenSSL security level; -1 keeps the default. TLS 1.0 and small keys need 0.
    int security_level = -1;
    /// DHE group: 0 OpenSSL's automatic choice, 1024 the 1024-bit MODP group of RFC 2409
    /// (what Exim calls ike2); needs security_level 0.
    int dh_bits = 0;
    /// Suites (IANA codes) answered by hand, for suites OpenSSL 3 cannot serve (3DES, RC4): a
    /// ClientHello offering one of them gets a ServerHello choosing the first of these it
    /// offers, at its version capped to raw_max_version, then the server only waits for the
    /// close. Below raw_min_version it gets a protocol_version alert. Other ClientHellos go
    /// to OpenSSL as usual.
    std::vector<std::uint16_t> raw_suites;
    int raw_min_version = 0x0301;
    int raw_max_version = 0x0303;
    /// Refuse with a handshake_failure alert every ClientHello that carries supported_groups,
    /// as GnuTLS limited to DHE without RFC 7919 groups does.
    bool refuse_supported_groups = false;
};

enum class misbehaviour {
    none,
    endless_ehlo_reply,       ///< EHLO answered with "250-x" lines until the client leaves
    huge_banner_line,         ///< the greeting is a single line of 1 MiB
    garbage_instead_of_tls,   ///< after "220 Ready", non-TLS bytes answer the ClientHello
    close_mid_handshake,      ///< after "220 Ready", read the ClientHello, then close
    silent_mid_handshake,     ///< after "220 Ready", read the ClientHello, then say nothing
    plaintext_after_starttls, ///< "220 Ready" and an injected reply in the same write
    /// "220 Ready", then 50 ms later an injected reply, so it arrives after the probe looked
    /// at its buffer and is read by the TLS layer as if it were a record
    plaintext_after_starttls_later,
    endless_banner,             ///< the greeting is "220-x" lines until the client leaves
    huge_ehlo_line,             ///< EHLO answered with one 10 MiB line, streamed in pieces
    endless_ehlo_after_tls,     ///< inside TLS, EHLO is answered with "250-x" lines forever
    alert_storm,                ///< after "220 Ready", TLS warning alerts until the client leaves
    garbage_after_server_hello, ///< a real ServerHello record, then random bytes
};

struct smtp_script {
    int banner_code = 220; ///< 554 refuses the session; 421 closes it at once
    /// Every Nth connection (the 2nd, 4th, ... for 2) is greeted "421 too many connections"
    /// and closed, as a busy Exim or Postfix does; 0: none.
    std::size_t busy_every = 0;
    std::string banner_text = "mx.test ESMTP fake";
    std::chrono::milliseconds banner_delay{0};

    int ehlo_code = 250; ///< e.g. 502: EHLO not recognised (HELO is then answered 250)
    /// The EHLO reply; the first line is the domain. "STARTTLS" is appended when offered.
    std::vector<std::string> ehlo_lines = {"mx.test greets you", "PIPELINING", "SIZE 10240000",
                                           "8BITMIME"};
    bool offer_starttls = true;
    bool ehlo_bare_lf = false; ///< end the (plaintext) EHLO reply's lines in LF alone
    int starttls_code = 220;   ///< 454, 421 (then the server closes), 501, ...
    std::string starttls_text = "2.0.0 Ready to start TLS";
    /// The EHLO reply inside TLS (RFC 3207 §4.2: no STARTTLS there).
    std::vector<std::string> ehlo_after_tls_lines = {"mx.test greets you again", "PIPELINING",
                                                     "SIZE 10240000", "8BITMIME"};
    int ehlo_after_tls_code = 250; ///< anything else is answered with one line of that code

    /// Throttles every reply to this many bytes per second; 0: no throttle.
    std::size_t bytes_per_second = 0;
    /// Throttles only the replies sent inside TLS; 0: no throttle.
    std::size_t tls_bytes_per_second = 0;
    bool throttle_banner = true; ///< false: the greeting is sent at full speed
    misbehaviour misbehave = misbehaviour::none;
    std::string injected = "250 injected\r\n"; ///< for plaintext_after_starttls

    smtp_tls_config tls;
};

class fake_smtp_server {
  public:
    /// Binds `address`:`port` (default 127.0.0.1 and an ephemeral port) and starts serving.
    /// Several servers on 127.0.0.x addresses sharing one port stand in for several MX hosts.
    /// Throws when it cannot bind or when the TLS settings are refused by OpenSSL.
    explicit fake_smtp_server(smtp_script script, const std::string& address = "127.0.0.1",
                              std::uint16_t port = 0);
    ~fake_smtp_server();
    fake_smtp_server(const fake_smtp_server&) = delete;
    fake_smtp_server& operator=(const fake_smtp_server&) = delete;

    [[nodiscard]] boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
    [[nodiscard]] std::uint16_t port() const { return endpoint_.port(); }

    [[nodiscard]] std::size_t connections() const { return connections_; }
    [[nodiscard]] std::size_t handshakes() const { return handshakes_; }
    /// Every command line received (CR LF removed), over all connections, in arrival order.
    [[nodiscard]] std::vector<std::string> commands() const;
    /// Only the verbs, upper-cased: {"EHLO", "STARTTLS", "EHLO", "QUIT"}.
    [[nodiscard]] std::vector<std::string> verbs() const;
    /// The SNI name of every completed handshake ("" when the client sent none).
    [[nodiscard]] std::vector<std::string> sni_names() const;
    /// One "version cipher group" entry per completed handshake, as the server saw it, and
    /// one "raw VVVV SSSS" (version, suite in hex) or "refused: why" per ClientHello it
    /// answered by hand (smtp_tls_config::raw_suites, refuse_supported_groups).
    [[nodiscard]] std::vector<std::string> negotiated() const;
    /// Number of connections whose session coroutine has ended.
    [[nodiscard]] std::size_t sessions_ended() const { return ended_; }
    /// The most connections that were open at the same time.
    [[nodiscard]] std::size_t max_concurrent() const { return max_concurrent_; }

  private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
    boost::asio::awaitable<void> refuse_busy(boost::asio::ip::tcp::socket socket);
    enum class dialogue_end { closed, quit, upgrade };
    /// After "220 Ready": answers the ClientHello by hand when the script says so (see
    /// smtp_tls_config::raw_suites); true when it did and the session is over.
    boost::asio::awaitable<bool> answer_by_hand(boost::asio::ip::tcp::socket& socket);
    /// Answers commands until QUIT, a close, or an accepted STARTTLS.
    template <class Stream>
    boost::asio::awaitable<dialogue_end> dialogue(Stream& stream, std::string& buffer, bool in_tls);
    void record(std::string line);

    smtp_script script_;
    // The TLS context outlives io_, whose destruction frees the streams that use it.
    boost::asio::ssl::context tls_;
    mutable std::mutex mutex_;
    std::vector<std::string> commands_;
    std::vector<std::string> sni_;
    std::vector<std::string> negotiated_;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> handshakes_{0};
    std::atomic<std::size_t> ended_{0};
    std::atomic<std::size_t> max_concurrent_{0};

    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::ip::tcp::endpoint endpoint_;
    std::thread thread_;
};

} // namespace mxprobe_test
