// resolve_bench: how many DNS lookups per second the resolver library sustains.
// For every name in a file: async_mx, then async_a on each MX target. One io_context, one
// c-ares channel, and a fixed number of worker coroutines pulling names from a shared index,
// so at most `--concurrency` lookups are in flight.
//
//   resolve_bench --server 127.0.0.1:5353 --names names.txt [--concurrency 1000]
//                 [--timeout-ms 2000] [--tries 2]
//
// Prints human-readable figures and a last line `RESULT lookups=.. seconds=.. qps=..
// failures=..` for scripts. Exit status 0 when every lookup answered NOERROR, 1 when some
// failed, 2 on usage errors.

#include "resolver/channel.hpp"
#include "resolver/lookup.hpp"
#include "resolver/server_address.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

namespace {

namespace asio = boost::asio;

struct bench_options {
    std::vector<resolver::server_address> servers;
    std::string names_file;
    std::size_t concurrency = 1000;
    std::chrono::milliseconds try_timeout{2000};
    int tries = 2;
};

struct bench_stats {
    std::size_t lookups = 0;
    std::size_t failures = 0;
    std::size_t mx_lookups = 0;
    std::size_t a_lookups = 0;
    std::map<std::string, std::size_t> by_status;

    template <class Answer> void count(const Answer& answer) {
        ++lookups;
        ++by_status[std::string(resolver::to_string(answer.status))];
        if (!answer.has_data()) {
            ++failures;
        }
    }
};

// Everything shared by the workers; one thread, so no synchronisation.
struct work_queue {
    const std::vector<std::string>& names;
    std::size_t next = 0;
};

asio::awaitable<void> worker(resolver::channel& ch, work_queue& queue, bench_stats& stats) {
    while (queue.next < queue.names.size()) {
        const std::string name = queue.names[queue.next++];
        const auto mx = co_await resolver::async_mx(ch, name);
        stats.count(mx);
        ++stats.mx_lookups;
        for (const auto& record : mx.records) {
            if (record.host.empty()) {
                continue; // null MX: nothing to resolve
            }
            const auto a = co_await resolver::async_a(ch, record.host);
            stats.count(a);
            ++stats.a_lookups;
        }
    }
}

void usage(std::ostream& out) {
    out << "usage: resolve_bench --server IP[:PORT] --names FILE [--concurrency N]\n"
           "                     [--timeout-ms MS] [--tries N]\n";
}

bool parse_args(int argc, char** argv, bench_options& options) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const auto arg = args[i];
        if (arg == "-h" || arg == "--help") {
            usage(std::cout);
            std::exit(0);
        }
        if (i + 1 >= args.size()) {
            std::cerr << "resolve_bench: " << arg << " needs a value\n";
            return false;
        }
        const std::string value(args[++i]);
        try {
            if (arg == "--server") {
                auto parsed = resolver::parse_server_address(value);
                if (!parsed) {
                    std::cerr << "resolve_bench: --server: " << parsed.error() << "\n";
                    return false;
                }
                options.servers.push_back(*parsed);
            } else if (arg == "--names") {
                options.names_file = value;
            } else if (arg == "--concurrency") {
                options.concurrency = std::stoul(value);
            } else if (arg == "--timeout-ms") {
                options.try_timeout = std::chrono::milliseconds(std::stol(value));
            } else if (arg == "--tries") {
                options.tries = std::stoi(value);
            } else {
                std::cerr << "resolve_bench: unknown option " << arg << "\n";
                return false;
            }
        } catch (const std::exception&) {
            std::cerr << "resolve_bench: bad value for " << arg << ": " << value << "\n";
            return false;
        }
    }
    if (options.servers.empty() || options.names_file.empty() || options.concurrency == 0) {
        usage(std::cerr);
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    bench_options options;
    if (!parse_args(argc, argv, options)) {
        return 2;
    }
    std::vector<std::string> names;
    {
        std::ifstream in(options.names_file);
        if (!in) {
            std::cerr << "resolve_bench: cannot read " << options.names_file << "\n";
            return 2;
        }
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) {
                names.push_back(line);
            }
        }
    }

    try {
        resolver::library library;
        asio::io_context io;
        resolver::channel_options channel_options;
        channel_options.servers = options.servers;
        channel_options.try_timeout = options.try_timeout;
        channel_options.tries = options.tries;
        resolver::channel ch(io.get_executor(), channel_options);

        work_queue queue{names};
        bench_stats stats;
        const std::size_t workers =
            std::min(options.concurrency, std::max<std::size_t>(names.size(), 1));
        for (std::size_t i = 0; i < workers; ++i) {
            asio::co_spawn(io, worker(ch, queue, stats), asio::detached);
        }
        const auto start = std::chrono::steady_clock::now();
        io.run();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double qps = seconds > 0 ? static_cast<double>(stats.lookups) / seconds : 0.0;

        std::printf("names:        %zu\n", names.size());
        std::printf("concurrency:  %zu\n", workers);
        std::printf("lookups:      %zu (MX %zu, A %zu)\n", stats.lookups, stats.mx_lookups,
                    stats.a_lookups);
        std::printf("seconds:      %.3f\n", seconds);
        std::printf("lookups/s:    %.0f\n", qps);
        std::printf("failures:     %zu\n", stats.failures);
        for (const auto& [status, n] : stats.by_status) {
            std::printf("  %-18s %zu\n", status.c_str(), n);
        }
        std::printf("RESULT lookups=%zu seconds=%.3f qps=%.0f failures=%zu\n", stats.lookups,
                    seconds, qps, stats.failures);
        return stats.failures == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "resolve_bench: " << e.what() << "\n";
        return 2;
    }
}
