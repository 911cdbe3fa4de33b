#pragma once
// Loads libmxprobe-email.so (policy/email/) the first time an email report needs it. It loads
// code, not data: no input is read, and the answer for a given message does not depend on
// anything but that message, unless the module cannot be found, which is an error that says so.

#include <string>
#include <string_view>

namespace policy {

struct email_report_part {
    std::string bytes; ///< the decoded report part, when found
    std::string error; ///< why not, otherwise
};

/// The report part of a multipart/report email, by way of the module.
email_report_part find_email_report_part(std::string_view message);

} // namespace policy
