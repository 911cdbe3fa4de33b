#pragma once
// The compatibility matrix reads scan results as `mxprobe/domain/1` documents — from a scan
// it runs itself, or from a file `mxprobe scan --format json|jsonl` wrote earlier — so the
// JSON contract is the one interface between scanning and reporting. Anything unexpected in
// a file is an error naming the file, the line (JSON Lines) and the JSON path.

#include "policy/matrix_facts.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mxprobe {

class matrix_input_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Reads one mxprobe/domain/1 document; `where` prefixes error messages ("scan.jsonl:3").
policy::domain_facts_summary facts_from_domain_json(const nlohmann::json& document,
                                                    const std::string& where);

/// The same from the document's text (as the history store keeps it).
policy::domain_facts_summary facts_from_domain_text(const std::string& text,
                                                    const std::string& where);

/// A file written by `mxprobe scan`: one mxprobe/scan/1 document, or JSON Lines of
/// mxprobe/domain/1 documents. Bounded: at most 1 GiB, lines at most 64 MiB.
std::vector<policy::domain_facts_summary> load_scan_file(const std::string& path);

} // namespace mxprobe
