// tools/lab/check-loopback, the lab's hard rule that no server it started listens outside
// loopback: against the running lab (the exim_lab fixture), and against a made-up `ss`
// listing, so that the failing case is tested without ever opening a non-loopback socket.

#include "tests/support/run_command.hpp"
#include "tests/support/tsv_table.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>

namespace {

using mxprobe_test::run;
using mxprobe_test::shell_quote;

const std::string check = std::string(MXPROBE_SOURCE_DIR) + "/tools/lab/check-loopback";

// A scratch lab directory holding one recorded process: a `sleep` we start and stop, written
// the way the lab scripts record theirs ("PID START-TIME" in COMPONENT/run/NAME.pid).
struct fake_lab {
    std::filesystem::path dir;
    std::string pid;

    fake_lab() {
        dir =
            std::filesystem::path(MXPROBE_LAB_DIR) / ("check-loopback-" + std::to_string(getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir / "fake/run");
        const auto r = run("sleep 60 >/dev/null 2>&1 & p=$!; "
                           "echo \"$p $(cut -d' ' -f22 /proc/$p/stat)\" > " +
                           shell_quote((dir / "fake/run/server.pid").string()) + "; echo $p");
        pid = r.out.substr(0, r.out.find('\n'));
    }
    ~fake_lab() {
        run("kill " + pid + " 2>/dev/null");
        std::filesystem::remove_all(dir);
    }
    fake_lab(const fake_lab&) = delete;
    fake_lab& operator=(const fake_lab&) = delete;

    std::string ss_listing(const std::string& lines) const {
        const auto file = dir / "ss.txt";
        std::string text;
        for (const auto& line : mxprobe_test::split_fields(lines, '\n')) {
            std::string l = line;
            for (auto at = l.find("PID"); at != std::string::npos; at = l.find("PID")) {
                l.replace(at, 3, pid);
            }
            text += l + "\n";
        }
        std::ofstream(file) << text;
        return file.string();
    }
};

} // namespace

TEST_SUITE("lab.loopback") {

    TEST_CASE("every listening socket of the running lab's processes is on loopback") {
        const auto r = run(check + " " + shell_quote(MXPROBE_LAB_DIR) + " 2>&1");
        INFO(r.out);
        CHECK(r.exit_code == 0);
        // The Exim daemon's eight listeners, each named with its recorded owner.
        for (int last = 51; last <= 58; ++last) {
            CHECK(r.out.find("127.0.0." + std::to_string(last) + ":2525") != std::string::npos);
        }
        CHECK(r.out.find("exim/exim") != std::string::npos);
        CHECK(r.out.find("NON-LOOPBACK") == std::string::npos);
    }

    TEST_CASE("a recorded process listening on 0.0.0.0, [::] or * fails the check, named") {
        const fake_lab lab;
        const auto listing = lab.ss_listing(
            "tcp LISTEN 0 20 127.0.0.51:2525 0.0.0.0:* users:((\"exim4\",pid=PID,fd=5))\n"
            "udp UNCONN 0 0 127.0.0.1%lo:5353 0.0.0.0:* users:((\"nsd\",pid=PID,fd=6))\n"
            "tcp LISTEN 0 20 [::1]:2526 [::]:* users:((\"exim4\",pid=PID,fd=7))\n"
            "tcp LISTEN 0 20 0.0.0.0:2527 0.0.0.0:* users:((\"exim4\",pid=PID,fd=8))\n"
            "tcp LISTEN 0 20 [::]:2528 [::]:* users:((\"exim4\",pid=PID,fd=9))\n"
            "tcp LISTEN 0 20 *:2529 *:* users:((\"exim4\",pid=PID,fd=10))\n"
            "tcp LISTEN 0 20 192.0.2.1:25 0.0.0.0:* users:((\"other\",pid=1,fd=3))");
        const auto r = run(check + " " + shell_quote(lab.dir.string()) + " --ss-output " +
                           shell_quote(listing) + " 2>&1");
        INFO(r.out);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("NON-LOOPBACK LISTENER: fake/server (pid " + lab.pid +
                         ") on tcp 0.0.0.0:2527") != std::string::npos);
        CHECK(r.out.find("on tcp [::]:2528") != std::string::npos);
        CHECK(r.out.find("on tcp *:2529") != std::string::npos);
        // Loopback sockets, an interface-scoped one included, are fine.
        CHECK(r.out.find("on tcp 127.0.0.51:2525") == std::string::npos);
        CHECK(r.out.find("on udp 127.0.0.1%lo:5353") == std::string::npos);
        CHECK(r.out.find("on tcp [::1]:2526") == std::string::npos);
        // A process the lab did not start is not the lab's business.
        CHECK(r.out.find("192.0.2.1") == std::string::npos);
    }

    TEST_CASE("only loopback sockets: exit 0, and a PID file of a process now gone is ignored") {
        const fake_lab lab;
        const auto listing = lab.ss_listing(
            "tcp LISTEN 0 20 127.0.0.41:443 0.0.0.0:* users:((\"nginx\",pid=PID,fd=5))");
        CHECK(run(check + " " + shell_quote(lab.dir.string()) + " --ss-output " +
                  shell_quote(listing) + " >/dev/null 2>&1")
                  .exit_code == 0);
        // Same PID, another start time: a reused PID, not ours.
        std::ofstream(lab.dir / "fake/run/server.pid") << lab.pid << " 1\n";
        const auto r = run(check + " " + shell_quote(lab.dir.string()) + " --ss-output " +
                           shell_quote(listing) + " 2>&1");
        CHECK(r.exit_code == 3);
        CHECK(r.out.find("no lab process runs") != std::string::npos);
    }
}
