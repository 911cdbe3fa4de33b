#pragma once
// Headless Chromium for the page tests: each run gets a fresh profile, home and cache in a
// temp directory of its own, a time limit, and its own process group, and nothing of it is
// left running afterwards (stragglers are found by process group and by profile path, and
// killed by their pid). The flags keep it off the network: the ones the issue names, plus a
// host-resolver rule that makes every name lookup fail inside the browser, because Debian's
// Chromium 156 still resolves clients2.google.com, accounts.google.com and
// update.googleapis.com at start-up with --disable-background-networking alone.

#include <chrono>
#include <string>
#include <vector>

namespace mxprobe_test {

struct browser_run {
    int exit_code = -1; ///< exit status, or 128+N when killed by signal N
    bool timed_out = false;
    std::string out;            ///< standard output (the DOM, for --dump-dom)
    std::string log;            ///< standard error
    std::size_t stragglers = 0; ///< processes of the run still alive after it ended, killed
};

/// The Chromium binary: $MXPROBE_CHROMIUM, else Debian's /usr/lib/chromium/chromium (the real
/// binary; the /usr/bin/chromium launcher adds remote-extension flags), else `chromium` on
/// PATH. Throws naming tools/setup when there is none.
std::string chromium_binary();

/// The flags every run gets, for the profile directory `profile`.
std::vector<std::string> chromium_flags(const std::string& profile);

/// Runs Chromium with chromium_flags() and `arguments`, optionally under `wrapper` (a program
/// and its arguments, e.g. strace), for at most `limit`; then kills what is left of it.
browser_run run_chromium(const std::vector<std::string>& arguments,
                         std::chrono::seconds limit = std::chrono::seconds(60),
                         const std::vector<std::string>& wrapper = {});

/// "file:///abs/path#fragment".
std::string file_url(const std::string& path, const std::string& fragment = "");

/// The DOM of `path` (with `fragment`) after its scripts ran, with `extra` flags (e.g.
/// --virtual-time-budget=MS to let timers and queued events run first). Throws, with
/// Chromium's log, when the run fails or times out.
std::string dump_dom(const std::string& path, const std::string& fragment = "",
                     const std::vector<std::string>& extra = {});

/// A PNG of `path` in a window of `width` x `height`, written to `png`.
void screenshot(const std::string& path, const std::string& fragment, const std::string& png,
                int width, int height);

/// Prints `path` to a PDF as Chromium's print preview would (A4 per the page's @page rule,
/// no header or footer) and returns the number of pages.
int print_pages(const std::string& path, const std::string& fragment = "");

/// The absolute path of `program` on PATH, or "" when it is not installed.
std::string find_program(const std::string& program);

} // namespace mxprobe_test
