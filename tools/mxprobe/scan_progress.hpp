#pragma once
// The progress line of a scan on standard error: domains done of the total, domains and
// probes in flight, the rate and the time left. Redrawn once a second, only on a terminal
// (and never with --quiet); erased when the scan ends, so the output stays clean.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mxprobe {

struct progress_counts {
    std::size_t done = 0;
    std::size_t domains_in_flight = 0;
    std::size_t probes_active = 0;
    std::size_t connections = 0;
    std::size_t probes = 0;
};

/// "1234/10000 domains  64 in flight  312 probes active (410 connections)  85.2/s  ETA 1m43s"
std::string progress_line(const std::string& label, const progress_counts& c, std::size_t total,
                          double seconds);

class scan_progress {
  public:
    scan_progress(const boost::asio::any_io_executor& executor, bool enabled, std::string label,
                  std::size_t total, std::function<progress_counts()> counts);
    ~scan_progress();
    scan_progress(const scan_progress&) = delete;
    scan_progress& operator=(const scan_progress&) = delete;

    /// Stops redrawing and erases the line.
    void finish();

  private:
    void schedule();
    boost::asio::steady_timer timer_;
    bool enabled_;
    std::string label_;
    std::size_t total_;
    std::function<progress_counts()> counts_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    bool drawn_ = false;
};

} // namespace mxprobe
