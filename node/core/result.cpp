#include "node/core/result.hpp"

namespace ios::core {

std::string_view to_string(Reject r) {
  switch (r) {
    case Reject::truncated:
      return "truncated";
    case Reject::trailing_bytes:
      return "trailing_bytes";
    case Reject::length_over_limit:
      return "length_over_limit";
    case Reject::unknown_version:
      return "unknown_version";
    case Reject::non_canonical:
      return "non_canonical";
    case Reject::bad_hex:
      return "bad_hex";
    case Reject::bad_address:
      return "bad_address";
    case Reject::bad_checksum:
      return "bad_checksum";
    case Reject::wrong_hrp:
      return "wrong_hrp";
    case Reject::bad_point:
      return "bad_point";
    case Reject::bad_scalar:
      return "bad_scalar";
    case Reject::bad_signature:
      return "bad_signature";
    case Reject::bad_proof:
      return "bad_proof";
    case Reject::bad_merkle_proof:
      return "bad_merkle_proof";
    case Reject::duplicate:
      return "duplicate";
    case Reject::bad_keystore:
      return "bad_keystore";
    case Reject::wrong_password:
      return "wrong_password";
    case Reject::unsupported_keystore_version:
      return "unsupported_keystore_version";
    case Reject::io_error:
      return "io_error";
    case Reject::bad_json:
      return "bad_json";
    case Reject::unknown_input:
      return "unknown_input";
    case Reject::double_spend:
      return "double_spend";
    case Reject::wrong_owner:
      return "wrong_owner";
    case Reject::bad_amount:
      return "bad_amount";
    case Reject::amount_overflow:
      return "amount_overflow";
    case Reject::fee_too_low:
      return "fee_too_low";
    case Reject::servi_not_transferable:
      return "servi_not_transferable";
    case Reject::bad_policy:
      return "bad_policy";
    case Reject::unknown_validator:
      return "unknown_validator";
    case Reject::slashed:
      return "slashed";
    case Reject::stale_view:
      return "stale_view";
    case Reject::wrong_height:
      return "wrong_height";
    case Reject::wrong_leader:
      return "wrong_leader";
    case Reject::wrong_phase:
      return "wrong_phase";
    case Reject::equivocation:
      return "equivocation";
    case Reject::not_in_roster:
      return "not_in_roster";
    case Reject::fraud:
      return "fraud";
    case Reject::state_lost:
      return "state_lost";
    case Reject::wrong_shard:
      return "wrong_shard";
    case Reject::cross_shard:
      return "cross_shard";
    case Reject::between_segments:
      return "between_segments";
  }
  return "unknown";
}

std::string Error::message() const {
  std::string out{to_string(reason)};
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

void assertion_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "ios: invariant violated: %s (%s:%d)\n", expr, file, line);
  std::abort();
}

}  // namespace ios::core
