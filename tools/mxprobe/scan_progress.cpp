#include "tools/mxprobe/scan_progress.hpp"

#include <cmath>
#include <cstdio>

namespace mxprobe {

namespace {

std::string span(double seconds) {
    const long s = std::lround(seconds);
    char text[32];
    if (s >= 3600) {
        (void)std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    } else if (s >= 60) {
        (void)std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
    } else {
        (void)std::snprintf(text, sizeof text, "%lds", s);
    }
    return text;
}

} // namespace

std::string progress_line(const std::string& label, const progress_counts& c, std::size_t total,
                          double seconds) {
    const double rate = seconds > 0 ? static_cast<double>(c.done) / seconds : 0.0;
    char text[256];
    (void)std::snprintf(text, sizeof text,
                        "%s: %zu%s%s domains  %zu in flight  %zu probes active (%zu connections)  "
                        "%.1f/s",
                        label.c_str(), c.done, total != 0 ? "/" : "",
                        total != 0 ? std::to_string(total).c_str() : "", c.domains_in_flight,
                        c.probes_active, c.connections, rate);
    std::string out = text;
    if (total != 0 && rate > 0 && c.done < total) {
        out += "  ETA " + span(static_cast<double>(total - c.done) / rate);
    }
    return out;
}

scan_progress::scan_progress(const boost::asio::any_io_executor& executor, bool enabled,
                             std::string label, std::size_t total,
                             std::function<progress_counts()> counts)
    : timer_(executor), enabled_(enabled), label_(std::move(label)), total_(total),
      counts_(std::move(counts)) {
    if (enabled_) {
        schedule();
    }
}

scan_progress::~scan_progress() {
    finish();
}

void scan_progress::schedule() {
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || !enabled_) {
            return;
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        (void)std::fprintf(stderr, "\r\033[K%s",
                           progress_line(label_, counts_(), total_, seconds).c_str());
        (void)std::fflush(stderr);
        drawn_ = true;
        schedule();
    });
}

void scan_progress::finish() {
    enabled_ = false;
    timer_.cancel();
    if (drawn_) {
        (void)std::fprintf(stderr, "\r\033[K");
        (void)std::fflush(stderr);
        drawn_ = false;
    }
}

} // namespace mxprobe
