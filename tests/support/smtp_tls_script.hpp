#pragma once
// The fake MX's script for a well-behaved server: STARTTLS offered, presenting a leaf of a
// test PKI with its intermediate. Shared by the command-line tests, which a unity build
// compiles several to a translation unit.

#include "tests/support/fake_smtp_server.hpp"
#include "tests/support/test_certs.hpp"

namespace mxprobe_test {

/// A script whose TLS presents `leaf`, then `intermediate`, with the leaf's key.
inline smtp_script script_with(const issued& leaf, const issued& intermediate) {
    smtp_script s;
    s.tls.cert_chain_pem = leaf.cert_pem() + intermediate.cert_pem();
    s.tls.key_pem = leaf.key_pem();
    return s;
}

} // namespace mxprobe_test
