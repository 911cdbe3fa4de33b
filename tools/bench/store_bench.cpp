// The history store's costs where they matter: committing one domain result (each its own
// transaction, as `scan --db` does from inside the scan's event loop), and the reads that
// scale with the history — every domain's latest result, and one domain's history.
//
// usage: store_bench [--db FILE] [--domains N] [--scans K] [--document BYTES]
// The file is created (it must not exist) and left behind for inspection.

#include "tools/mxprobe/history_store.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    std::string db = "store_bench.db";
    long domains = 1000;
    long scans = 10;
    long document = 20000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--db") {
            db = argv[i + 1];
        } else if (option == "--domains") {
            domains = std::atol(argv[i + 1]);
        } else if (option == "--scans") {
            scans = std::atol(argv[i + 1]);
        } else if (option == "--document") {
            document = std::atol(argv[i + 1]);
        } else {
            (void)std::fprintf(stderr, "usage: store_bench [--db FILE] [--domains N] [--scans K] "
                                       "[--document BYTES]\n");
            return 2;
        }
    }
    if (std::filesystem::exists(db)) {
        (void)std::fprintf(stderr, "store_bench: %s exists; give a new file\n", db.c_str());
        return 2;
    }
    try {
        mxprobe::history_store store(db);
        const std::string text = "{\"schema\":\"mxprobe/domain/1\",\"pad\":\"" +
                                 std::string(static_cast<std::size_t>(document), 'x') + "\"}";
        const auto start = std::chrono::steady_clock::now();
        for (long k = 0; k < scans; ++k) {
            const auto scan = store.begin_scan("bench", k * 3600);
            for (long d = 0; d < domains; ++d) {
                store.add_domain_result(scan, k * 3600 + d, "d" + std::to_string(d) + ".test",
                                        "partner", "ok", text);
            }
            store.finish_scan(scan, k * 3600 + domains, false);
        }
        const double write = seconds_since(start);
        const long results = domains * scans;
        std::printf("add_domain_result: %ld results of %ld bytes in %.2f s: %.0f commits/s, "
                    "%.1f MB/s\n",
                    results, document, write, static_cast<double>(results) / write,
                    static_cast<double>(results) * static_cast<double>(document) / write / 1e6);

        auto read_start = std::chrono::steady_clock::now();
        const auto latest = store.latest_results();
        std::printf("latest_results: %zu domains in %.3f s\n", latest.size(),
                    seconds_since(read_start));
        read_start = std::chrono::steady_clock::now();
        const auto one = store.results_since("d7.test", 0);
        std::printf("results_since (one domain): %zu results in %.4f s\n", one.size(),
                    seconds_since(read_start));
        read_start = std::chrono::steady_clock::now();
        std::size_t streamed = 0;
        store.for_each_result_since(0, [&](mxprobe::stored_domain_result&&) { ++streamed; });
        std::printf("for_each_result_since: %zu results in %.3f s\n", streamed,
                    seconds_since(read_start));
    } catch (const mxprobe::store_error& e) {
        (void)std::fprintf(stderr, "store_bench: %s\n", e.what());
        return 1;
    }
    std::printf("file: %s, %.1f MB\n", db.c_str(),
                static_cast<double>(std::filesystem::file_size(db)) / 1e6);
    return 0;
}
