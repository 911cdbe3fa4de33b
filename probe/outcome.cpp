#include "probe/outcome.hpp"

namespace probe {

std::string_view to_string(phase p) {
    switch (p) {
    case phase::none:
        return "none";
    case phase::address:
        return "address";
    case phase::connect:
        return "connect";
    case phase::banner:
        return "banner";
    case phase::ehlo:
        return "ehlo";
    case phase::starttls:
        return "starttls";
    case phase::handshake:
        return "handshake";
    case phase::post_tls_ehlo:
        return "post_tls_ehlo";
    case phase::quit:
        return "quit";
    }
    return "unknown";
}

std::string_view to_string(status s) {
    switch (s) {
    case status::success:
        return "success";
    case status::address_refused:
        return "address_refused";
    case status::connection_refused:
        return "connection_refused";
    case status::connection_timeout:
        return "connection_timeout";
    case status::io_timeout:
        return "io_timeout";
    case status::connection_closed:
        return "connection_closed";
    case status::protocol_error:
        return "protocol_error";
    case status::session_refused:
        return "session_refused";
    case status::starttls_not_offered:
        return "starttls_not_offered";
    case status::starttls_rejected:
        return "starttls_rejected";
    case status::handshake_error:
        return "handshake_error";
    case status::post_tls_error:
        return "post_tls_error";
    case status::internal_error:
        return "internal_error";
    }
    return "unknown";
}

} // namespace probe
