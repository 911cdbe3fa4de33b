#pragma once
// For tests that run the built mxprobe binary: where it is, the JSON schema validator and
// the schemas in docs/schema, and a check that a document it printed follows its schema.
// Header-only, because the paths come from MXPROBE_BINARY and MXPROBE_SOURCE_DIR, which only
// the test binaries define; one copy, so that a unity build does not see them twice.

#include "tests/support/run_command.hpp"
#include "tests/support/test_certs.hpp"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace mxprobe_test {

inline const std::string mxprobe_bin = MXPROBE_BINARY;
/// tools/validate-json, followed by a space: the schema and the document come next.
inline const std::string validate = std::string(MXPROBE_SOURCE_DIR) + "/tools/validate-json ";
/// docs/schema/, to which a schema's file name is appended.
inline const std::string schemas = std::string(MXPROBE_SOURCE_DIR) + "/docs/schema/";

/// Validates `doc` against docs/schema/<schema> (e.g. "host.schema.json"); `name` says in
/// the failure which document it was.
inline void check_schema(const nlohmann::json& doc, const std::string& schema,
                         const std::string& name) {
    const std::string file = write_temp_file(doc.dump(), "." + name + ".json");
    const auto r = run(validate + schemas + schema + " " + shell_quote(file));
    CHECK_MESSAGE(r.exit_code == 0, name);
}

} // namespace mxprobe_test
