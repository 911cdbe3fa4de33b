// libFuzzer target: a certificate chain file handed to `mxprobe check-cert` (probe/chain_file),
// PEM or DER, as an administrator or an attacker might supply it.

#include "probe/chain_file.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace {

using mxprobe_fuzz::require;

constexpr std::string_view source = "fuzz.pem";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const probe::chain_file_result r = probe::parse_chain_file({data, size}, source);
    if (!r.file) {
        require(!r.error.empty(), "a refused chain file has no error message");
        require(r.error.starts_with(source), "an error does not name the file");
        return 0;
    }
    const probe::chain_file& f = *r.file;
    require(r.error.empty(), "a parsed chain file also carries an error");
    require(size <= probe::max_chain_file_bytes, "a file over the size cap was parsed");
    require(!f.certificates.empty(), "a parsed chain file holds no certificate");
    require(f.certificates.size() <= probe::max_chain_certificates,
            "more certificates than the cap were kept");
    require(f.positions.size() == f.certificates.size(),
            "a certificate has no position (line or offset)");
    for (const auto& c : f.certificates) {
        (void)mxprobe_fuzz::dumped(c);
    }
    return 0;
}
