#pragma once
// Exit statuses follow the monitoring-plugin convention (Nagios/Icinga/Sensu), so mxprobe can
// be dropped into an existing monitoring system as a check command.

namespace mxprobe {

enum class exit_status : int {
    ok = 0,       ///< everything a validating sender needs is in place
    warning = 1,  ///< works today, but something needs attention
    critical = 2, ///< a sender would fail, or the domain has no mail route
    unknown = 3,  ///< could not check: usage, configuration or infrastructure error
};

} // namespace mxprobe
