// The candidate against the certificate a host presents now: same key or not, names gained
// and lost, expiry extended or shortened, and nothing to compare with.

#include "policy/live_comparison.hpp"
#include "tests/policy/check_status_print.hpp"
#include "tests/support/test_time.hpp"
#include "tests/support/text_match.hpp"

#include <string>

#include <doctest/doctest.h>

using policy::check_status;

namespace {

using mxprobe_test::day_seconds;
constexpr std::int64_t jan_2027 = 1798761600; // 2027-01-01T00:00:00Z

using mxprobe_test::contains;

probe::cert_info cert(std::string id, std::vector<std::string> names, std::int64_t not_after,
                      std::vector<std::uint8_t> spki) {
    probe::cert_info c;
    c.sha256 = std::string(64, id.front());
    c.san_dns = std::move(names);
    c.not_after = not_after;
    c.spki_der = std::move(spki);
    c.spki_sha256 = std::string(64, id.back());
    return c;
}

policy::live_view presenting(probe::cert_info current) {
    policy::live_view v;
    v.host = "mx.example.com";
    v.endpoint = "192.0.2.1:25";
    v.chain.push_back(std::move(current));
    return v;
}

} // namespace

TEST_SUITE("policy.live_comparison") {

    TEST_CASE("same key, same names, later expiry: ok") {
        const auto old_cert = cert("a1", {"mx.example.com"}, jan_2027, {1, 2, 3});
        const auto new_cert =
            cert("b1", {"MX.example.com."}, jan_2027 + 60 * day_seconds, {1, 2, 3});
        const auto c = policy::compare_with_live(presenting(old_cert), new_cert);
        CHECK(c.status == check_status::ok);
        CHECK(c.name == "live");
        CHECK(c.subject == "mx.example.com");
        CHECK(c.message == "same key as mx.example.com 192.0.2.1:25 presents now; names unchanged; "
                           "expiry extended by 60 day(s) (2027-01-01 -> 2027-03-02)");
    }

    TEST_CASE("new key and a gained name: ok, both said") {
        const auto old_cert = cert("a1", {"mx.example.com"}, jan_2027, {1});
        const auto new_cert =
            cert("b2", {"mx.example.com", "mx2.example.com"}, jan_2027 + day_seconds, {2});
        const auto c = policy::compare_with_live(presenting(old_cert), new_cert);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "new key (SPKI sha256 2222222222222222... replaces "
                                  "1111111111111111..."));
        CHECK(contains(c.message, "names gained +mx2.example.com"));
    }

    TEST_CASE("a lost name or an earlier expiry: warn") {
        const auto old_cert = cert("a1", {"mx.example.com", "smtp.example.com"}, jan_2027, {1});
        const auto lost = policy::compare_with_live(
            presenting(old_cert), cert("b1", {"mx.example.com"}, jan_2027 + day_seconds, {1}));
        CHECK(lost.status == check_status::warn);
        CHECK(contains(lost.message, "names lost -smtp.example.com"));
        const auto shorter = policy::compare_with_live(
            presenting(old_cert),
            cert("c1", {"mx.example.com", "smtp.example.com"}, jan_2027 - 10 * day_seconds, {1}));
        CHECK(shorter.status == check_status::warn);
        CHECK(contains(shorter.message, "expiry shortened by 10 day(s)"));
    }

    TEST_CASE("the candidate is already deployed: ok, said so") {
        const auto same = cert("a1", {"mx.example.com"}, jan_2027, {1});
        const auto c = policy::compare_with_live(presenting(same), same);
        CHECK(c.status == check_status::ok);
        CHECK(contains(c.message, "already presents this certificate"));
    }

    TEST_CASE("no certificate seen: unknown, with the reason") {
        policy::live_view v;
        v.host = "mx.example.com";
        v.error = "connection_refused: Connection refused";
        const auto c = policy::compare_with_live(v, cert("a1", {}, jan_2027, {1}));
        CHECK(c.status == check_status::unknown);
        CHECK(contains(c.message, "could not compare: mx.example.com presented no certificate "
                                  "(connection_refused"));
    }
}
