// libFuzzer target: targets.yaml (tools/mxprobe/targets_file), the configuration an operator
// writes by hand and CI may generate. A bad file must end in one config_error naming the
// file; any other exception, a crash or a hang (YAML aliases, deep nesting) is a finding.

#include "tests/fuzz/fuzz_check.hpp"
#include "tools/mxprobe/targets_file.hpp"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

namespace {

using mxprobe_fuzz::require;

const std::string name = "fuzz.yaml";

void check(const mxprobe::targets_file& f) {
    std::set<std::string> domains;
    for (const auto& t : f.all_targets()) {
        require(!t.domain.empty(), "a target without a domain was accepted");
        require(t.domain.back() != '.', "a domain kept its trailing dot");
        require(t.domain.size() <= 253, "a domain over 253 characters was accepted");
        require(domains.insert(t.domain).second, "a domain listed twice was accepted");
        require(t.role == "own" || t.role == "partner", "a target has an unknown role");
    }
    for (const auto& g : f.schedule) {
        require(g.every.count() > 0, "a schedule group repeats every 0 ms");
        require(g.jitter.count() >= 0, "a schedule group has a negative jitter");
    }
    require(f.alerts.cert_expiry_critical_days >= 0, "negative critical days were accepted");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(mxprobe_fuzz::as_text(data, size));
    try {
        check(mxprobe::parse_targets(text, name, "/fuzz"));
    } catch (const mxprobe::config_error& e) {
        require(std::string_view(e.what()).starts_with(name),
                "a config error does not name the file");
    }
    return 0;
}
