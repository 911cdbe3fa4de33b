// The pieces of `mxprobe watch` on their own: the schedule driven by injected times (no
// sleeping), the /metrics text checked by promtool and served over HTTP, and the alert sinks
// delivering to a webhook receiver, a command and a JSON Lines file in this test.

#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"
#include "tests/support/webhook_receiver.hpp"
#include "tools/mxprobe/alert_sinks.hpp"
#include "tools/mxprobe/metrics_server.hpp"
#include "tools/mxprobe/metrics_text.hpp"
#include "tools/mxprobe/watch_schedule.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <doctest/doctest.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using asio::ip::tcp;
using namespace mxprobe_test;

namespace {

mxprobe::targets_file schedule_file() {
    return mxprobe::parse_targets("own_domains:\n  - domain: own.test\n    tags: [own]\n"
                                  "partners:\n  - domain: a.test\n    tags: [finance]\n"
                                  "  - b.test\n"
                                  "schedule:\n  - name: own\n    every: 1h\n    jitter: 10m\n"
                                  "    tags: [own]\n  - name: rest\n    every: 6h\n",
                                  "t.yaml");
}

policy::domain_facts_summary metrics_domain() {
    policy::domain_facts_summary d;
    d.domain = "example.net";
    d.role = "partner";
    d.verdict = "warning";
    d.sts_mode = "enforce";
    policy::mx_facts m;
    m.host = "mx.example.net";
    m.ip = "192.0.2.1";
    m.checked = true;
    m.starttls_offered = true;
    m.tls = true;
    m.version = "TLSv1.3";
    m.cert_not_after = 1800000000;
    m.versions = {{"TLSv1.2", true}, {"TLSv1.3", true}, {"TLSv1", false}};
    m.policy = "dane";
    m.dane_authenticated = true;
    d.mx.push_back(m);
    m.host = "mx\"2\\.example.net"; // hostile text must be escaped, not break the format
    m.ip = "192.0.2.2";
    d.mx.push_back(m);
    return d;
}

} // namespace

TEST_SUITE("tools.watch_parts") {

    TEST_CASE("the schedule: groups own their tagged targets, due times come from the store") {
        mxprobe::watch_schedule s(schedule_file());
        REQUIRE(s.groups().size() == 2);
        const auto own = s.members("own");
        REQUIRE(own.size() == 1);
        CHECK(own[0].domain == "own.test");
        const auto rest = s.members("rest");
        REQUIRE(rest.size() == 2);
        CHECK(rest[0].domain == "a.test");
        CHECK_FALSE(s.next().has_value());
        // A restart: "rest" was due at 4000 in the store; "own" never ran, so it is due now.
        s.restore("own", std::nullopt, 1000);
        s.restore("rest", 4000, 1000);
        REQUIRE(s.next().has_value());
        CHECK(s.next()->first == "own");
        CHECK(s.next()->second == 1000);
        // own ran and finished at 1100: next at 1100 + 3600 + a share of the 600 s jitter.
        CHECK(s.reschedule("own", 1100, 0.5) == 1100 + 3600 + 300);
        CHECK(s.next()->first == "rest");
        CHECK(s.next()->second == 4000);
        CHECK(s.reschedule("rest", 5010, 0.0) == 5010 + 6 * 3600);
        CHECK(s.next()->first == "own");
        CHECK(s.reschedule("own", 5000, 0.999999999) <= 5000 + 3600 + 600);
    }

    TEST_CASE("without a schedule every target is in one group, every 6 hours") {
        const auto f = mxprobe::parse_targets("partners: [a.test, b.test]\n", "t.yaml");
        mxprobe::watch_schedule s(f);
        REQUIRE(s.groups().size() == 1);
        CHECK(s.groups()[0].name == "all");
        CHECK(s.members("all").size() == 2);
        s.restore("all", std::nullopt, 10);
        CHECK(s.reschedule("all", 20, 0) == 20 + 6 * 3600);
    }

    TEST_CASE("the /metrics text passes promtool and carries the facts") {
        mxprobe::metrics_snapshot snap;
        snap.domains.push_back(metrics_domain());
        snap.tlsrpt.sessions[{"own.test", "success"}] = 90;
        snap.tlsrpt.sessions[{"own.test", "failure"}] = 10;
        snap.tlsrpt.failures[{"mx.own.test", "certificate-expired"}] = 10;
        snap.tlsrpt.reports = 2;
        snap.groups["own"] = {3, 12, 1.5, 1796342400};
        snap.open_alerts["critical"] = 1;
        const std::string text = mxprobe::metrics_text(snap);
        CHECK(text.find("mxprobe_certificate_expiry_timestamp_seconds{domain=\"example.net\","
                        "mx=\"mx.example.net\",ip=\"192.0.2.1\"} 1800000000\n") !=
              std::string::npos);
        CHECK(
            text.find("mxprobe_tls_version_supported{domain=\"example.net\",mx=\"mx.example.net\","
                      "ip=\"192.0.2.1\",version=\"TLSv1\"} 0\n") != std::string::npos);
        CHECK(text.find("mx=\"mx\\\"2\\\\.example.net\"") != std::string::npos);
        CHECK(text.find("mxprobe_mta_sts_mode{domain=\"example.net\",mode=\"enforce\"} 1\n") !=
              std::string::npos);
        CHECK(text.find("mxprobe_tlsrpt_failures_total{receiving_mx=\"mx.own.test\","
                        "result_type=\"certificate-expired\"} 10\n") != std::string::npos);
        CHECK(text.find("mxprobe_scans_total{group=\"own\"} 3\n") != std::string::npos);
        const std::string file = write_temp_file(text, ".prom");
        const auto r = run("promtool check metrics < " + file + " 2>&1");
        INFO(r.out);
        CHECK(r.exit_code == 0);
        CHECK(r.out.empty()); // no lint complaints either
    }

    TEST_CASE("the metrics server answers GET /metrics, 404 and 405 otherwise") {
        asio::io_context io;
        mxprobe::metrics_server server(io.get_executor(),
                                       mxprobe::parse_listen_address("127.0.0.1:0"),
                                       [] { return std::string("mxprobe_up 1\n"); });
        const auto port = server.endpoint().port();
        std::thread loop([&] { io.run(); });
        const std::string base =
            "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(port);
        CHECK(run("curl -s http://127.0.0.1:" + std::to_string(port) + "/metrics").out ==
              "mxprobe_up 1\n");
        CHECK(run(base + "/metrics").out == "200");
        CHECK(run(base + "/other").out == "404");
        CHECK(run(base + "/metrics -X POST").out == "405");
        io.stop();
        loop.join();
        CHECK_THROWS_AS(mxprobe::parse_listen_address("127.0.0.1"), std::invalid_argument);
        CHECK_THROWS_AS(mxprobe::parse_listen_address("localhost:9"), std::invalid_argument);
        CHECK(mxprobe::parse_listen_address("[::1]:9464").port() == 9464);
    }

    TEST_CASE("alerts reach the webhook (after retries), the command and the JSON Lines file") {
        webhook_receiver hook(2); // the first two POSTs fail with 503
        const std::string lines = write_temp_file("", ".jsonl");
        const std::string command_out = write_temp_file("", ".txt");
        asio::io_context io;
        mxprobe::alert_sink_settings settings;
        settings.jsonl = lines;
        settings.webhook = "http://127.0.0.1:" + std::to_string(hook.port()) + "/alerts";
        settings.command = "cat >> " + command_out;
        settings.webhook_first_retry = std::chrono::milliseconds(20);
        mxprobe::alert_sinks sinks(io.get_executor(), settings);
        sinks.deliver({{"state", "raised"}, {"key", "one"}});
        sinks.deliver({{"state", "resolved"}, {"key", "one"}});
        asio::co_spawn(io, sinks.async_drain(std::chrono::seconds(10)), asio::detached);
        io.run();
        CHECK(sinks.failures() == 0);
        CHECK(hook.requests() == 4);
        REQUIRE(hook.bodies().size() == 2);
        CHECK(nlohmann::json::parse(hook.bodies()[0])["state"] == "raised");
        CHECK(nlohmann::json::parse(hook.bodies()[1])["state"] == "resolved");
        std::ifstream in(command_out);
        std::stringstream got;
        got << in.rdbuf();
        CHECK(got.str() ==
              "{\"key\":\"one\",\"state\":\"raised\"}\n{\"key\":\"one\",\"state\":\"resolved\"}\n");
        std::ifstream jl(lines);
        std::stringstream jsonl;
        jsonl << jl.rdbuf();
        CHECK(jsonl.str() == got.str());
    }

    TEST_CASE("a JSON Lines file that cannot be opened or written is an error, not a lost alert") {
        mxprobe::alert_sink_settings unopenable;
        unopenable.jsonl = "/nonexistent-directory/alerts.jsonl";
        asio::io_context io;
        try {
            mxprobe::alert_sinks sinks(io.get_executor(), unopenable);
            FAIL("a JSON Lines file in a missing directory was accepted");
        } catch (const std::runtime_error& e) {
            CHECK(std::string(e.what()).find("/nonexistent-directory/alerts.jsonl") !=
                  std::string::npos);
        }
        // /dev/full opens, then refuses every write (ENOSPC): each alert is a failure.
        REQUIRE(std::filesystem::exists("/dev/full"));
        mxprobe::alert_sink_settings full;
        full.jsonl = "/dev/full";
        mxprobe::alert_sinks sinks(io.get_executor(), full);
        sinks.deliver({{"state", "raised"}, {"key", "one"}});
        sinks.deliver({{"state", "resolved"}, {"key", "one"}});
        CHECK(sinks.failures() == 2);
    }

    TEST_CASE("a webhook that never answers gives up after its attempts and counts a failure") {
        mxprobe::alert_sink_settings settings;
        settings.webhook = "http://127.0.0.1:9/never"; // discard port: nothing listens
        settings.webhook_attempts = 2;
        settings.webhook_first_retry = std::chrono::milliseconds(10);
        settings.webhook_timeout = std::chrono::milliseconds(500);
        settings.command = "exit 3";
        asio::io_context io;
        mxprobe::alert_sinks sinks(io.get_executor(), settings);
        sinks.deliver({{"state", "raised"}});
        asio::co_spawn(io, sinks.async_drain(std::chrono::seconds(10)), asio::detached);
        io.run();
        CHECK(sinks.failures() == 2); // the webhook and the command
        CHECK_THROWS_AS(mxprobe::parse_webhook_url("ftp://x/"), std::invalid_argument);
        CHECK_THROWS_AS(mxprobe::parse_webhook_url("http://:80/"), std::invalid_argument);
        const auto u = mxprobe::parse_webhook_url("https://[::1]:8443/a?b=c");
        CHECK(u.tls);
        CHECK(u.host == "::1");
        CHECK(u.port == 8443);
        CHECK(u.target == "/a?b=c");
    }
}
