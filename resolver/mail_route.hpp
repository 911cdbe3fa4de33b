#pragma once
// Everything a sending MTA looks up in DNS for one destination domain (RFC 5321 §5.1,
// RFC 7505, RFC 8461 §3.1, RFC 8460 §3, RFC 7672 §2.2), as plain data: the MX RRset with null
// and implicit MX recognised, each MX host's A/AAAA and `_25._tcp` TLSA, and the `_mta-sts`
// and `_smtp._tls` TXT records. Facts only: whether they are valid is policy's business.

#include "resolver/answer.hpp"

#include <string>
#include <vector>

namespace resolver {

struct mx_host_lookup {
    std::uint16_t preference = 0;
    std::string host;
    address_answer ipv4;
    address_answer ipv6;
    tlsa_answer tlsa; ///< `_25._tcp.<host>`
};

struct mail_lookup {
    std::string domain;
    mx_answer mx;
    bool null_mx = false;       ///< a single `0 .` MX: the domain accepts no mail
    bool null_mx_mixed = false; ///< a `.` MX beside other MX records (RFC 7505 §3 violation)
    bool implicit_mx = false;   ///< no MX RRset; the domain's own A/AAAA stand in (§5.1)
    std::vector<mx_host_lookup> hosts; ///< in ascending preference; empty for null MX
    txt_answer mta_sts_txt;            ///< `_mta-sts.<domain>`
    txt_answer tlsrpt_txt;             ///< `_smtp._tls.<domain>`
};

} // namespace resolver
