#pragma once
// Running a real program from a test (the mxprobe binary, dig, openssl s_client) and
// collecting what it printed and how it ended.

#include <string>

namespace mxprobe_test {

struct run_result {
    int exit_code = -1; ///< the exit status, or 128+N when killed by signal N
    std::string out;    ///< standard output
    double seconds = 0;
};

/// Runs `command` through /bin/sh; standard error goes where the test's goes.
run_result run(const std::string& command);

/// Quotes one argument for /bin/sh.
std::string shell_quote(const std::string& arg);

} // namespace mxprobe_test
