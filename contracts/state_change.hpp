#pragma once
// What a system contract reads and what it returns (docs/DESIGN.md §1: "native system contracts as
// pure functions"; the dedis cothority habit of contracts as pure functions returning state
// changes). A contract never mutates state: it reads a LedgerView and returns a StateChange
// that the ledger applies all-or-nothing (node/ledger/ledger_state.hpp). The simulator, the
// node and the tests therefore run the same code, and a refused transaction leaves nothing
// behind.
//
// Applying a StateChange, in this order (the ledger enforces each step):
//   1. every `spent` outpoint must be unspent and is removed;
//   2. every `created` outpoint must be new and is added;
//   3. `fee_credits` are added to the named validators' fee balances;
//   4. `servi_issued` is added, then `servi_cleared` holders drop to 0;
//   5. each `slashed` entry must match the validator's current stake and fees exactly; both
//      move to the slashed pool, Servi drops to 0 and the account is marked slashed for good;
//   6. `pool_paid` leaves the slashed pool (it pays for compensation outputs in `created`).
// Conservation (checked by the ledger as its own invariant, IOS_ASSERT):
//   Σ spent amounts + pool_paid == Σ created amounts + Σ fee credits,
// and slashing only moves value between accounts and the pool, so total supply
// (Σ unspent outputs + Σ stakes + Σ fees + pool) never changes. Whitepaper §8.1: all IOS
// tokens are minted at genesis.
#include <cstdint>
#include <utility>
#include <vector>

#include "node/chain/amount.hpp"
#include "node/chain/tx.hpp"
#include "node/crypto/ed25519.hpp"

namespace ios::contracts {

struct ValidatorAccount {
  crypto::PublicKey key{};
  chain::Amount stake = 0;
  chain::Amount fees = 0;  // commission earned (whitepaper §8.1 "Commission")
  std::uint64_t servi = 0;
  std::int64_t reviews = 0;
  bool slashed = false;

  bool operator==(const ValidatorAccount&) const = default;
};

// Which part of the state a ledger holds: shard `shard` of `shard_count` (docs/DESIGN.md §4
// "State": an address lives in shard SHA-256(address) mod m).
struct ShardScope {
  std::uint32_t shard = 0;
  std::uint32_t shard_count = 1;
};

class LedgerView {
 public:
  virtual ~LedgerView() = default;
  virtual ShardScope shard_scope() const = 0;
  // nullptr when the outpoint is not unspent.
  virtual const chain::TxOutput* find_output(const chain::OutPoint& outpoint) const = 0;
  virtual const ValidatorAccount* find_validator(const crypto::PublicKey& key) const = 0;
  virtual chain::Amount slashed_pool() const = 0;
};

// A view of `base` with unfinalized outputs laid over it (a producer's sealed work, a door's
// pending submissions): only outputs differ; validators, the slashed pool and the shard scope
// are the base's.
class LedgerOverlay : public LedgerView {
 public:
  explicit LedgerOverlay(const LedgerView& base) : base_(base) {}
  ShardScope shard_scope() const final { return base_.shard_scope(); }
  const ValidatorAccount* find_validator(const crypto::PublicKey& key) const final { return base_.find_validator(key); }
  chain::Amount slashed_pool() const final { return base_.slashed_pool(); }

 protected:
  const LedgerView& base_;
};

struct FeeCredit {
  crypto::PublicKey validator{};
  chain::Amount amount = 0;

  bool operator==(const FeeCredit&) const = default;
};

struct ServiIssue {
  crypto::PublicKey validator{};
  std::uint64_t amount = 0;

  bool operator==(const ServiIssue&) const = default;
};

// The whole stake and unpaid fees of a convicted validator, moved to the slashed pool.
struct Slash {
  crypto::PublicKey validator{};
  chain::Amount stake = 0;
  chain::Amount fees = 0;

  bool operator==(const Slash&) const = default;
};

struct StateChange {
  std::vector<chain::OutPoint> spent;
  std::vector<std::pair<chain::OutPoint, chain::TxOutput>> created;
  std::vector<FeeCredit> fee_credits;
  std::vector<ServiIssue> servi_issued;
  std::vector<crypto::PublicKey> servi_cleared;
  std::vector<Slash> slashed;
  chain::Amount pool_paid = 0;              // compensation paid out of the slashed pool
  chain::Amount compensation_shortfall = 0;  // stolen but not repaid because the pool ran dry (informational)

  bool operator==(const StateChange&) const = default;
};

// Appends `more` to `into` (for callers that combine several contracts' changes).
void append(StateChange& into, const StateChange& more);

}  // namespace ios::contracts
