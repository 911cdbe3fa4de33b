#include "probe/openssl_error.hpp"

#include <openssl/err.h>

namespace probe {

std::string drain_openssl_errors() {
    std::string out;
    const char* data = nullptr;
    int flags = 0;
    while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        if (!out.empty()) {
            out += "; ";
        }
        out += buf;
        if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
            out += std::string(" (") + data + ")";
        }
    }
    return out;
}

openssl_error_guard::openssl_error_guard() {
    ERR_clear_error();
}

openssl_error_guard::~openssl_error_guard() {
    ERR_clear_error();
}

} // namespace probe
