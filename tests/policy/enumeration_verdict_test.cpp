#include "policy/host_verdict.hpp"

#include <algorithm>
#include <string>

#include <doctest/doctest.h>

namespace {

using policy::severity;

probe::enumeration_result with_versions(std::initializer_list<std::pair<const char*, bool>> v) {
    probe::enumeration_result e;
    for (const auto& [name, ok] : v) {
        e.versions[name] = ok;
    }
    return e;
}

bool has(const policy::host_verdict& v, const std::string& code) {
    return std::any_of(v.findings.begin(), v.findings.end(),
                       [&](const policy::finding& f) { return f.code == code; });
}

} // namespace

TEST_SUITE("policy.enumeration") {

    TEST_CASE("TLS 1.2 and 1.3 only: nothing to add, the verdict stays ok") {
        policy::host_verdict v;
        policy::judge_enumeration(with_versions({{"SSLv3", false},
                                                 {"TLSv1", false},
                                                 {"TLSv1.1", false},
                                                 {"TLSv1.2", true},
                                                 {"TLSv1.3", true}}),
                                  v);
        CHECK(v.findings.empty());
        CHECK(v.overall == severity::ok);
    }

    TEST_CASE("SSLv3 accepted is a warning of its own") {
        policy::host_verdict v;
        policy::judge_enumeration(with_versions({{"SSLv3", true}, {"TLSv1.2", true}}), v);
        CHECK(has(v, "sslv3-accepted"));
        CHECK(v.overall == severity::warning);
    }

    TEST_CASE("TLS 1.0 and 1.1 accepted are named in one legacy finding") {
        policy::host_verdict v;
        policy::judge_enumeration(
            with_versions({{"TLSv1", true}, {"TLSv1.1", true}, {"TLSv1.2", true}}), v);
        REQUIRE(has(v, "legacy-tls-accepted"));
        const auto f = std::find_if(v.findings.begin(), v.findings.end(),
                                    [](const auto& x) { return x.code == "legacy-tls-accepted"; });
        CHECK(f->message.find("TLSv1 and TLSv1.1") != std::string::npos);
        CHECK_FALSE(has(v, "no-modern-tls"));
    }

    TEST_CASE("no TLS 1.2 or later is flagged for MTA-STS senders") {
        policy::host_verdict v;
        policy::judge_enumeration(
            with_versions(
                {{"TLSv1", true}, {"TLSv1.1", true}, {"TLSv1.2", false}, {"TLSv1.3", false}}),
            v);
        CHECK(has(v, "no-modern-tls"));
        CHECK(has(v, "legacy-tls-accepted"));
    }

    TEST_CASE("an enumeration cut short before TLS 1.2 was asked says nothing of modern TLS") {
        policy::host_verdict v;
        policy::judge_enumeration(with_versions({{"SSLv3", false}, {"TLSv1", false}}), v);
        CHECK_FALSE(has(v, "no-modern-tls"));
    }

    TEST_CASE("3DES suites accepted → cipher-3des-accepted naming each suite once (SWEET32)") {
        policy::host_verdict v;
        auto e = with_versions({{"TLSv1.1", true}, {"TLSv1.2", true}});
        e.ciphers["TLSv1.1"] = {"ECDHE-RSA-AES256-SHA", "DES-CBC3-SHA"};
        e.ciphers["TLSv1.2"] = {"ECDHE-RSA-AES256-GCM-SHA384", "DES-CBC3-SHA",
                                "ECDHE-RSA-DES-CBC3-SHA"};
        policy::judge_enumeration(e, v);
        const auto f = std::find_if(v.findings.begin(), v.findings.end(),
                                    [](const auto& x) { return x.code == "cipher-3des-accepted"; });
        REQUIRE(f != v.findings.end());
        CHECK(f->level == severity::warning);
        CHECK(f->message.find("DES-CBC3-SHA, ECDHE-RSA-DES-CBC3-SHA") != std::string::npos);
        CHECK(f->message.find("SWEET32") != std::string::npos);
        CHECK_FALSE(has(v, "cipher-rc4-accepted"));
    }

    TEST_CASE("RC4 suites accepted → cipher-rc4-accepted (RFC 7465)") {
        policy::host_verdict v;
        auto e = with_versions({{"TLSv1.2", true}});
        e.ciphers["TLSv1.2"] = {"ECDHE-RSA-AES128-GCM-SHA256", "RC4-SHA", "ECDHE-RSA-RC4-SHA"};
        policy::judge_enumeration(e, v);
        REQUIRE(has(v, "cipher-rc4-accepted"));
        CHECK_FALSE(has(v, "cipher-3des-accepted"));
        CHECK(v.overall == severity::warning);
    }

    TEST_CASE("DHE groups: below 2048 bits is weak-dh-group, 2048 and none are not") {
        for (const int bits : {1024, 2048, 0}) {
            CAPTURE(bits);
            policy::host_verdict v;
            auto e = with_versions({{"TLSv1.2", true}});
            e.dhe_min_bits = bits;
            policy::judge_enumeration(e, v);
            CHECK(has(v, "weak-dh-group") == (bits == 1024));
        }
        // A threshold of our own.
        policy::host_verdict v;
        auto e = with_versions({{"TLSv1.2", true}});
        e.dhe_min_bits = 2048;
        policy::host_thresholds strict;
        strict.min_dh_bits = 3072;
        policy::judge_enumeration(e, v, strict);
        CHECK(has(v, "weak-dh-group"));
    }

    TEST_CASE("a weak DH group already judged on the main session is not repeated") {
        policy::host_verdict v;
        v.findings.push_back({"weak-dh-group", severity::warning, "negotiated ..."});
        auto e = with_versions({{"TLSv1.2", true}});
        e.dhe_min_bits = 1024;
        policy::judge_enumeration(e, v);
        CHECK(std::count_if(v.findings.begin(), v.findings.end(),
                            [](const auto& f) { return f.code == "weak-dh-group"; }) == 1);
    }

    TEST_CASE("an existing critical verdict is not lowered") {
        policy::host_verdict v;
        v.findings.push_back({"certificate-expired", severity::critical, "expired"});
        v.overall = severity::critical;
        policy::judge_enumeration(with_versions({{"TLSv1", true}, {"TLSv1.2", true}}), v);
        CHECK(v.overall == severity::critical);
    }
}
