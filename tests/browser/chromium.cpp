#include "tests/browser/chromium.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace mxprobe_test {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

bool executable(const std::string& path) {
    return !path.empty() && ::access(path.c_str(), X_OK) == 0 && fs::is_regular_file(path);
}

// A run's own directory: the profile, a home, and the captured output.
fs::path make_run_dir() {
    std::string pattern = (fs::temp_directory_path() / "mxprobe-chromium-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp for a Chromium profile: " +
                                 std::string(std::strerror(errno)));
    }
    fs::create_directories(fs::path(pattern) / "profile");
    fs::create_directories(fs::path(pattern) / "home");
    return pattern;
}

// The environment Chromium gets: ours, with HOME and the XDG folders inside the run dir, so
// it writes nothing outside it.
std::vector<std::string> child_environment(const fs::path& dir) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry = *e;
        if (entry.rfind("HOME=", 0) != 0 && entry.rfind("XDG_", 0) != 0) {
            env.push_back(entry);
        }
    }
    const std::string home = (dir / "home").string();
    env.push_back("HOME=" + home);
    env.push_back("XDG_CONFIG_HOME=" + home + "/.config");
    env.push_back("XDG_CACHE_HOME=" + home + "/.cache");
    env.push_back("XDG_DATA_HOME=" + home + "/.local/share");
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) {
        out.push_back(s.data());
    }
    out.push_back(nullptr);
    return out;
}

// Processes still alive from this run: in its process group, or naming its directory.
std::vector<pid_t> leftovers(pid_t group, const std::string& dir) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const pid_t pid = static_cast<pid_t>(std::stol(name));
        // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so read
        // from the last ')'.
        const std::string stat = read_file(entry.path() / "stat");
        const auto close = stat.rfind(')');
        bool ours = false;
        if (close != std::string::npos) {
            std::istringstream rest(stat.substr(close + 1));
            char state = 0;
            long ppid = 0;
            long pgrp = 0;
            rest >> state >> ppid >> pgrp;
            ours = pgrp == group && state != 'Z';
        }
        std::string cmdline = read_file(entry.path() / "cmdline");
        ours = ours || cmdline.find(dir) != std::string::npos;
        if (ours && pid != ::getpid()) {
            out.push_back(pid);
        }
    }
    return out;
}

// Kills every process left of the run, by pid, and waits until they are gone.
std::size_t kill_leftovers(pid_t group, const std::string& dir) {
    std::size_t killed = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
        const auto pids = leftovers(group, dir);
        if (pids.empty()) {
            return killed;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("Chromium processes of " + dir + " survive SIGKILL");
        }
        for (const pid_t pid : pids) {
            if (::kill(pid, SIGKILL) == 0) {
                ++killed;
            }
            ::waitpid(pid, nullptr, WNOHANG); // reaps it when it was our child
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace

std::string find_program(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string d; std::getline(dirs, d, ':');) {
        std::string candidate = (fs::path(d.empty() ? "." : d) / program).string();
        if (executable(candidate)) {
            return candidate;
        }
    }
    return {};
}

std::string chromium_binary() {
    if (const char* chosen = std::getenv("MXPROBE_CHROMIUM"); chosen != nullptr && *chosen) {
        if (!executable(chosen)) {
            throw std::runtime_error(std::string("MXPROBE_CHROMIUM=") + chosen +
                                     " is not an executable file");
        }
        return chosen;
    }
    if (executable("/usr/lib/chromium/chromium")) {
        return "/usr/lib/chromium/chromium";
    }
    if (auto found = find_program("chromium"); !found.empty()) {
        return found;
    }
    throw std::runtime_error("headless Chromium is needed for the browser tests and is not "
                             "installed: run tools/setup (Debian package chromium), or set "
                             "MXPROBE_CHROMIUM");
}

std::vector<std::string> chromium_flags(const std::string& profile) {
    return {"--headless",
            "--no-sandbox", // we run as root in CI containers, where the sandbox cannot start
            "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-quic",
            "--user-data-dir=" + profile,
            // Every host name resolves to nothing: no DNS query leaves the browser, so nothing
            // it would fetch on its own (extension and component updates, sign-in) can start.
            "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-extensions",
            "--disable-default-apps", "--disable-domain-reliability", "--disable-crash-reporter",
            "--no-pings", "--mute-audio", "--hide-scrollbars"};
}

browser_run run_chromium(const std::vector<std::string>& arguments, std::chrono::seconds limit,
                         const std::vector<std::string>& wrapper) {
    const fs::path dir = make_run_dir();
    std::vector<std::string> argv = wrapper;
    argv.push_back(chromium_binary());
    for (auto& f : chromium_flags((dir / "profile").string())) {
        argv.push_back(std::move(f));
    }
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    std::vector<std::string> env = child_environment(dir);
    std::vector<char*> argv_p = pointers(argv);
    std::vector<char*> env_p = pointers(env);
    const std::string out_file = (dir / "stdout").string();
    const std::string err_file = (dir / "stderr").string();

    // Everything the child needs is prepared above: after fork it only calls
    // async-signal-safe functions (the test binary may have threads of its fakes running).
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
            ::dup2(err, 2) < 0) {
            ::_exit(126);
        }
        ::execve(argv_p[0], argv_p.data(), env_p.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid); // also here, so the group exists before we might signal it

    browser_run r;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (true) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            break;
        }
        if (done < 0 && errno != EINTR) {
            throw std::runtime_error("waitpid: " + std::string(std::strerror(errno)));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            r.timed_out = true;
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (WIFEXITED(status)) {
        r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.exit_code = 128 + WTERMSIG(status);
    }
    r.stragglers = kill_leftovers(pid, dir.string());
    r.out = read_file(out_file);
    r.log = read_file(err_file);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return r;
}

std::string file_url(const std::string& path, const std::string& fragment) {
    return "file://" + fs::absolute(path).string() + (fragment.empty() ? "" : "#" + fragment);
}

namespace {

void require_success(const browser_run& r, const std::string& what) {
    if (r.timed_out || r.exit_code != 0) {
        throw std::runtime_error("Chromium " + what +
                                 (r.timed_out
                                      ? " timed out"
                                      : " failed with exit status " + std::to_string(r.exit_code)) +
                                 "; its log:\n" + r.log);
    }
}

} // namespace

std::string dump_dom(const std::string& path, const std::string& fragment,
                     const std::vector<std::string>& extra) {
    std::vector<std::string> arguments = extra;
    arguments.emplace_back("--dump-dom");
    arguments.push_back(file_url(path, fragment));
    const browser_run r = run_chromium(arguments);
    require_success(r, "--dump-dom " + path);
    if (r.out.find("</html>") == std::string::npos) {
        throw std::runtime_error("Chromium printed no DOM for " + path + "; its log:\n" + r.log);
    }
    return r.out;
}

void screenshot(const std::string& path, const std::string& fragment, const std::string& png,
                int width, int height) {
    const browser_run r =
        run_chromium({"--screenshot=" + fs::absolute(png).string(),
                      "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                      file_url(path, fragment)});
    require_success(r, "--screenshot " + path);
}

int print_pages(const std::string& path, const std::string& fragment) {
    const std::string pdf =
        (fs::temp_directory_path() / ("mxprobe-print-" + std::to_string(::getpid()) + ".pdf"))
            .string();
    const browser_run r =
        run_chromium({"--no-pdf-header-footer", "--print-to-pdf=" + pdf, file_url(path, fragment)});
    const std::string bytes = read_file(pdf);
    std::error_code ec;
    fs::remove(pdf, ec);
    require_success(r, "--print-to-pdf " + path);
    // The page tree's root says how many pages there are: the largest /Count in the file.
    int pages = 0;
    const std::regex count(R"(/Count (\d+))");
    for (auto it = std::sregex_iterator(bytes.begin(), bytes.end(), count);
         it != std::sregex_iterator(); ++it) {
        pages = std::max(pages, std::stoi((*it)[1].str()));
    }
    if (pages == 0) {
        throw std::runtime_error("Chromium wrote no PDF page tree for " + path);
    }
    return pages;
}

} // namespace mxprobe_test
