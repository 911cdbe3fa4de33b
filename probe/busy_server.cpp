#include "probe/busy_server.hpp"

namespace probe {

bool looks_rate_limited(const session_result& s) {
    if (s.outcome == status::session_refused) {
        return s.refusal_code == 421; // 554 refuses for good (RFC 5321 §3.1)
    }
    return s.outcome == status::connection_closed && s.failed_phase == phase::banner;
}

} // namespace probe
