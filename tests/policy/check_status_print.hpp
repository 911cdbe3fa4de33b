#pragma once
// doctest prints enums as numbers unless a `toString` is found by ADL in their namespace.

#include "policy/candidate_check.hpp"

#include <string>

#include <doctest/doctest.h>

namespace policy {
inline doctest::String
toString(check_status s) { // NOLINT(readability-identifier-naming): doctest's name
    return doctest::String(std::string(to_string(s)).c_str());
}
} // namespace policy
