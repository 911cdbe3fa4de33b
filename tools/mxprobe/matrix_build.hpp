#pragma once
// The compatibility matrix as data: one row per target (partners and our own domains) with
// the outbound check against our requirements, the inbound TLS-RPT summary explained by the
// probe, the encryption class and the expiry dates; the coverage figures; and, when asked,
// the what-if for a second set of requirements. Rendered by matrix_render (table, JSON, CSV,
// Markdown) and matrix_html.

#include "policy/coverage.hpp"
#include "policy/inbound_summary.hpp"
#include "policy/matrix_facts.hpp"
#include "policy/outbound_check.hpp"
#include "policy/tlsrpt_report.hpp"
#include "policy/what_if.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mxprobe {

/// One certificate (or policy) date a mail team has to renew before.
struct expiry_entry {
    std::string what; ///< "mx certificate", "mta-sts certificate", "mta-sts policy"
    std::string host;
    std::int64_t at = 0; ///< Unix seconds
    std::int64_t days_left = 0;
};

struct matrix_row {
    policy::domain_facts_summary facts;
    policy::outbound_verdict outbound;
    std::optional<policy::inbound_summary> inbound; ///< our own domains
    policy::encryption_class encryption = policy::encryption_class::unknown;
    std::vector<expiry_entry> expiry;
};

/// What the report inputs were, for the matrix's own record.
struct report_inputs {
    std::size_t files = 0;
    std::size_t reports = 0;
    std::size_t duplicates = 0;
    std::vector<std::pair<std::string, std::string>> errors; ///< (file, message)
    /// Policy domains reports spoke of that are not among our own domains, with sessions.
    std::map<std::string, std::uint64_t> other_domains;
};

struct matrix {
    std::string generated; ///< RFC 3339
    policy::outbound_requirements requirements;
    std::optional<policy::what_if_result> what_if;
    policy::coverage_report coverage;
    report_inputs reports;
    std::vector<matrix_row> rows;
};

/// Joins scan facts, received reports (free of duplicates) and requirements.
matrix build_matrix(std::vector<policy::domain_facts_summary> domains,
                    const policy::outbound_requirements& requirements,
                    const std::optional<policy::outbound_requirements>& what_if,
                    const std::vector<policy::tlsrpt_report>& reports, report_inputs inputs,
                    std::chrono::system_clock::time_point now);

} // namespace mxprobe
