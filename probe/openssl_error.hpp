#pragma once
// The thread's OpenSSL error queue, kept clean: a guard clears it on entry and on exit, and
// failures are turned into text that carries every queued entry (library, reason, detail).

#include <string>

namespace probe {

/// Drains the queue into "reason (lib); reason (lib)", or "" when it is empty.
std::string drain_openssl_errors();

class openssl_error_guard {
  public:
    openssl_error_guard();
    ~openssl_error_guard();
    openssl_error_guard(const openssl_error_guard&) = delete;
    openssl_error_guard& operator=(const openssl_error_guard&) = delete;
};

} // namespace probe
