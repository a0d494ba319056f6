#pragma once
// Typed outcomes for bad input from users and peers (docs/STYLE.md rule 2): a decoder or validator
// returns Result<T>; a Reject names why, and the detail says where. Our own invariant
// violations are not Results: they abort (see IOS_ASSERT).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ios::core {

enum class Reject : std::uint16_t {
  // canonical encoding
  truncated,
  trailing_bytes,
  length_over_limit,
  unknown_version,
  non_canonical,
  // text forms
  bad_hex,
  bad_address,
  bad_checksum,
  wrong_hrp,
  // cryptography
  bad_point,
  bad_scalar,
  bad_signature,
  bad_proof,
  bad_merkle_proof,
  duplicate,
  // keystore
  bad_keystore,
  wrong_password,
  unsupported_keystore_version,
  // files and I/O at the edges
  io_error,
  bad_json,
  // ledger and contracts (node/ledger, contracts/)
  unknown_input,  // the outpoint is not in the UTXO set (never existed or already spent)
  double_spend,   // the same outpoint twice in one tx, or spent earlier in the same block
  wrong_owner,    // the input's key does not hash to the output's address
  bad_amount,     // zero amount, or inputs != outputs + fee
  amount_overflow,
  fee_too_low,
  servi_not_transferable,  // whitepaper §8.1: Servi can never move between holders
  bad_policy,
  unknown_validator,
  slashed,  // the validator lost its stake for fraud and may not act
  // consensus (node/protocol)
  stale_view,
  wrong_height,
  wrong_leader,
  wrong_phase,
  equivocation,
  not_in_roster,
  fraud,
  state_lost,  // a validator's vote history is gone (node/runtime: refusing to risk equivocation)
  // sharding (docs/DESIGN.md §4)
  wrong_shard,  // belongs to another shard or epoch than the one that received it
  cross_shard,  // a tx whose payer and payees live in different shards (Atomix is not built yet)
  between_segments,  // the node's segment of the shard ended and the next has not started: retry
};

std::string_view to_string(Reject r);

struct Error {
  Reject reason;
  std::string detail;

  std::string message() const;
};

// A value or a typed refusal. E is Error for everything below the CLI; the devnet supervisor
// and the RPC client carry richer errors (log tails, HTTP documents) through the same type.
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// For operations that produce nothing but may be refused.
struct Ok {};
using Status = Result<Ok>;

inline Error reject(Reject reason, std::string detail = {}) { return Error{reason, std::move(detail)}; }

[[noreturn]] void assertion_failed(const char* expr, const char* file, int line);

}  // namespace ios::core

// Our own invariants: one condition per assertion (docs/STYLE.md rule 3); never for peer input.
#define IOS_ASSERT(expr) ((expr) ? static_cast<void>(0) : ::ios::core::assertion_failed(#expr, __FILE__, __LINE__))
