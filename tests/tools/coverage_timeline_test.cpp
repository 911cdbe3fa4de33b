// Coverage over time from a history store filled by hand, at chosen times: each UTC day
// counts each domain as its latest result up to the end of that day (the state before the
// period included), reports count on the day their range starts, a targets file decides who
// counts and with which tags, --tag keeps only some partners.

#include "policy/time_text.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_time.hpp"
#include "tools/mxprobe/coverage_timeline.hpp"
#include "tools/mxprobe/targets_file.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mxprobe_test;
using nlohmann::json;

namespace {

constexpr std::int64_t day0 = 20000 * day_seconds; // 2024-10-04, 00:00 UTC

enum class mx_state { validated, opportunistic, no_starttls };

// The members of an mxprobe/domain/1 document that the coverage reads.
std::string document(const std::string& domain, const std::string& role,
                     const std::vector<std::string>& tags, mx_state state) {
    const bool tls = state != mx_state::no_starttls;
    const json certificate = {{"trusted", state == mx_state::validated},
                              {"hostname_match", true},
                              {"days_left", 90},
                              {"chain_complete", true},
                              {"chain",
                               {{{"subject", "CN=mx." + domain},
                                 {"not_after", "2030-01-01T00:00:00Z"},
                                 {"sha256", std::string(64, 'a')},
                                 {"spki_sha256", std::string(64, 'b')}}}}};
    const json probe = {
        {"status", tls ? "success" : "starttls_not_offered"},
        {"error", nullptr},
        {"starttls", {{"offered", tls}, {"ok", tls}}},
        {"tls", tls ? json{{"version", "TLSv1.3"},
                           {"cipher", "TLS_AES_128_GCM_SHA256"},
                           {"forward_secrecy", true}}
                    : json(nullptr)},
        {"certificate", tls ? certificate : json(nullptr)},
        {"result_types", tls ? json::array() : json::array({"starttls-not-supported"})},
        {"findings", json::array()}};
    const json host = {{"host", "mx." + domain}, {"ip", "192.0.2.1"},
                       {"preference", 10},       {"verdict", tls ? "ok" : "critical"},
                       {"policy", "none"},       {"reportable_result_types", json::array()},
                       {"rate_limited", false},  {"mta_sts", nullptr},
                       {"probe", probe}};
    return json{{"schema", "mxprobe/domain/1"},
                {"domain", domain},
                {"name", domain},
                {"role", role},
                {"tags", tags},
                {"verdict", tls ? "ok" : "critical"},
                {"route", "mx"},
                {"hosts", {host}},
                {"mta_sts",
                 {{"error", nullptr},
                  {"result_type", nullptr},
                  {"txt", nullptr},
                  {"policy", nullptr},
                  {"fetch", nullptr}}},
                {"dane", {{"status", "none"}}},
                {"result_types", json::array()},
                {"reportable_result_types", json::array()}}
        .dump();
}

// An RFC 8460 report about own.test whose date range starts at `start`.
std::string report(const std::string& id, std::int64_t start, int success, int failure) {
    return json{{"organization-name", "Reporter"},
                {"date-range",
                 {{"start-datetime", policy::iso8601_utc(start)},
                  {"end-datetime", policy::iso8601_utc(start + day_seconds - 1)}}},
                {"contact-info", "tlsrpt@reporter.test"},
                {"report-id", id},
                {"policies",
                 {{{"policy",
                    {{"policy-type", "sts"},
                     {"policy-string", {"version: STSv1", "mode: enforce"}},
                     {"policy-domain", "own.test"}}},
                   {"summary",
                    {{"total-successful-session-count", success},
                     {"total-failure-session-count", failure}}}}}}}
        .dump();
}

// Three partners and one own domain: a.test validated from day 0, b.test opportunistic on
// day 0 and validated from day 2, c.test without STARTTLS, stored only before the period.
struct filled_store {
    scratch_dir dir;
    mxprobe::history_store store{dir.file("h.db")};

    filled_store() {
        const auto old = store.begin_scan("scan", day0 - 10 * day_seconds);
        add(old, day0 - 10 * day_seconds, "c.test", "partner", {"bank"}, mx_state::no_starttls);
        const auto first = store.begin_scan("scan", day0 + 100);
        add(first, day0 + 100, "a.test", "partner", {"bank"}, mx_state::validated);
        add(first, day0 + 200, "b.test", "partner", {"shop"}, mx_state::opportunistic);
        add(first, day0 + 300, "own.test", "own", {}, mx_state::validated);
        const auto later = store.begin_scan("scan", day0 + 2 * day_seconds + 5);
        add(later, day0 + 2 * day_seconds + 5, "b.test", "partner", {"shop"}, mx_state::validated);
        // Reports: one on day 1, one on day 2 (its range ends on day 3), one before the period.
        store.add_report({"Reporter", "r1", day0 + day_seconds, day0 + 2 * day_seconds - 1, "f1",
                          report("r1", day0 + day_seconds, 90, 10)});
        store.add_report({"Reporter", "r2", day0 + 2 * day_seconds + 3600,
                          day0 + 3 * day_seconds + 3599, "f2",
                          report("r2", day0 + 2 * day_seconds, 5, 0)});
        store.add_report({"Reporter", "r0", day0 - day_seconds, day0 - 1, "f0",
                          report("r0", day0 - day_seconds, 1000, 0)});
    }

    void add(std::int64_t scan, std::int64_t at, const std::string& domain, const std::string& role,
             const std::vector<std::string>& tags, mx_state state) {
        store.add_domain_result(scan, at, domain, role, "ok", document(domain, role, tags, state));
    }
};

} // namespace

TEST_SUITE("tools.coverage_timeline") {

    TEST_CASE("each day counts every domain as its latest result up to that day shows it") {
        filled_store f;
        const auto t = mxprobe::build_coverage_timeline(f.store, nullptr, {}, day0 + 10,
                                                        day0 + 3 * day_seconds + 60);
        REQUIRE(t.days.size() == 4);
        CHECK(t.first_day == day0);
        CHECK(t.results == 5); // c.test from before the period, and the four in it
        CHECK(t.errors.empty());
        const auto& d0 = t.days[0];
        CHECK(d0.results == 3);
        CHECK(d0.partners.total() == 3);
        CHECK(d0.partners.validated == 1);
        CHECK(d0.partners.opportunistic == 1);
        CHECK(d0.partners.failing == 1); // c.test, stored ten days before
        CHECK(d0.own.validated == 1);
        CHECK(d0.by_tag.at("bank").total() == 2);
        CHECK(d0.by_tag.at("shop").opportunistic == 1);
        CHECK(t.days[1].partners.validated == 1); // nothing new on day 1
        CHECK(t.days[1].results == 0);
        CHECK(t.days[2].partners.validated == 2); // b.test validated from day 2
        CHECK(t.days[2].results == 1);
        CHECK(t.days[3].partners.validated == 2);
    }

    TEST_CASE("reports count on the UTC day their range starts, before the period not at all") {
        filled_store f;
        const auto t = mxprobe::build_coverage_timeline(f.store, nullptr, {}, day0,
                                                        day0 + 3 * day_seconds + 60);
        CHECK(t.days[0].reports == 0);
        CHECK(t.days[1].reports == 1);
        CHECK(t.days[1].sessions.sessions.validated == 90);
        CHECK(t.days[1].sessions.sessions.failed == 10);
        CHECK(t.days[2].reports == 1);
        CHECK(t.days[2].sessions.sessions.total() == 5);
        CHECK(t.days[3].reports == 0);
        const auto j = mxprobe::coverage_to_json(t);
        CHECK(j["days"][1]["sessions"]["validated_share"] == 0.9);
        CHECK(j["days"][1]["sessions"]["policy_types"]["sts"]["failure"] == 10);
        CHECK(j["first_day"] == "2024-10-04");
        CHECK(j["roles_from"] == "store");
    }

    TEST_CASE("--tag keeps only partners with one of the tags, own domains stay apart") {
        filled_store f;
        const auto t = mxprobe::build_coverage_timeline(f.store, nullptr, {"shop"}, day0,
                                                        day0 + 2 * day_seconds + 60);
        CHECK(t.days[0].partners.total() == 1);
        CHECK(t.days[0].partners.opportunistic == 1);
        CHECK(t.days[0].by_tag.size() == 1);
        CHECK(t.days[2].partners.validated == 1);
        CHECK(t.days[2].own.total() == 1);
    }

    TEST_CASE("a targets file decides who counts and with which tags") {
        filled_store f;
        const auto targets = mxprobe::parse_targets(
            "own_domains: [own.test]\npartners:\n  - domain: b.test\n    tags: [retail]\n"
            "  - domain: d.test\n",
            "targets.yaml");
        const auto t = mxprobe::build_coverage_timeline(f.store, &targets, {}, day0, day0 + 1000);
        REQUIRE(t.days.size() == 1);
        CHECK(t.days[0].partners.total() == 1); // a.test and c.test are no longer targets
        CHECK(t.days[0].by_tag.count("retail") == 1);
        CHECK(t.days[0].by_tag.count("shop") == 0);
        CHECK(t.days[0].own.total() == 1);
        const std::string csv = mxprobe::coverage_to_csv(t);
        CHECK(csv.find("2024-10-04,partners,1,0,1,0,0,0.0000,1.0000,0.0000\n") !=
              std::string::npos);
        CHECK(csv.find("2024-10-04,tag:retail,1,0,1,0,0,") != std::string::npos);
    }

    TEST_CASE("results stored after `now` do not count") {
        filled_store f;
        const auto t = mxprobe::build_coverage_timeline(f.store, nullptr, {}, day0, day0 + 150);
        REQUIRE(t.days.size() == 1);
        CHECK(t.days[0].partners.total() == 2); // c.test from before, a.test at +100
        CHECK(t.results == 2);
    }

    TEST_CASE("a stored document that no longer reads is named, the rest still counts") {
        filled_store f;
        const auto scan = f.store.begin_scan("scan", day0 + 400);
        f.store.add_domain_result(scan, day0 + 400, "e.test", "partner", "ok", "{\"schema\":1}");
        const auto t = mxprobe::build_coverage_timeline(f.store, nullptr, {}, day0, day0 + 500);
        REQUIRE(t.errors.size() == 1);
        CHECK(t.errors[0].find("e.test") != std::string::npos);
        CHECK(t.days[0].partners.total() == 3);
    }
}
