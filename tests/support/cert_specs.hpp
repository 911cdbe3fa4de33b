#pragma once
// The certificate request most chain and DANE tests start from: a leaf for the MX host
// mx.example.com. Shared so that the test files of one binary, compiled together in a unity
// build, do not each carry (and redefine) their own copy.

#include "tests/support/test_certs.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mxprobe_test {

/// CN mx.example.com, with `dns` as subjectAltName dNSNames (by default the CN alone).
inline cert_spec mx_spec(std::vector<std::string> dns = {"mx.example.com"}) {
    cert_spec spec;
    spec.common_name = "mx.example.com";
    spec.dns_names = std::move(dns);
    return spec;
}

} // namespace mxprobe_test
