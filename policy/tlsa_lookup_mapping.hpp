#pragma once
// The resolver's TLSA answer reduced to what DANE needs (policy::tlsa_lookup): SERVFAIL from
// a validating resolver is what bogus data looks like (RFC 4035 §5.5); no answer at all is a
// failed lookup, not a verdict.

#include "policy/dane.hpp"
#include "resolver/answer.hpp"

namespace policy {

tlsa_lookup to_tlsa_lookup(const resolver::tlsa_answer& answer);

} // namespace policy
