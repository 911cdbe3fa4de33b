// The RFC 8460 result type a sender reports for each way an MTA-STS policy fetch fails
// (STANDARDS §7 rows 15-17).

#include "policy/sts_fetch_verdict.hpp"

#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

TEST_SUITE("policy.sts_fetch_verdict") {
    TEST_CASE("every fetch failure maps to the result type of its row") {
        using probe::fetch_failure;
        const std::vector<std::pair<fetch_failure, std::string>> table = {
            {fetch_failure::dns, "sts-policy-fetch-error"},
            {fetch_failure::address_refused, "sts-policy-fetch-error"},
            {fetch_failure::connect, "sts-policy-fetch-error"},
            {fetch_failure::timeout, "sts-policy-fetch-error"},
            {fetch_failure::http_status, "sts-policy-fetch-error"},
            {fetch_failure::redirect, "sts-policy-fetch-error"},
            {fetch_failure::too_large, "sts-policy-fetch-error"},
            {fetch_failure::protocol, "sts-policy-fetch-error"},
            {fetch_failure::tls, "sts-webpki-invalid"},
            {fetch_failure::certificate, "sts-webpki-invalid"},
            {fetch_failure::media_type, "sts-policy-invalid"},
        };
        // Not a structured binding: clang 14 cannot capture one in doctest's lambdas.
        for (const auto& row : table) {
            const fetch_failure failure = row.first;
            const std::string& expected = row.second;
            CAPTURE(probe::to_string(failure));
            CHECK(policy::sts_fetch_result_type(failure).value_or("") == expected);
        }
    }

    TEST_CASE("a successful fetch has no result type") {
        CHECK_FALSE(policy::sts_fetch_result_type(probe::fetch_failure::none).has_value());
    }
}
