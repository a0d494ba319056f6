#pragma once
// One validator's part in forming epoch e from record e−1 (whitepaper §5.1 Algorithm 1 and §4;
// docs/PROTOCOLS.md §7, §9.1; node/protocol/epoch/README.md), as a sans-I/O core hosted by
// NodeCore under (protocol epoch, shard 0, epoch e).
//
//   1. Lottery, view v: each validator sends every validator its ticket
//      VRF(vrf_sk, leader_alpha(record_hash(e−1), e, v)); tickets are taken for Δ
//      (ticket_window_ms), then ranked (lottery::rank_tickets): leader and two backups.
//   2. Attempt k = 0, 1, 2: candidate k of the ranking runs RandHound as client with every
//      validator as server (drp::DrpClient / DrpServer, relayed inside this core). On output
//      it builds record e (check_successor holds by construction) and proposes it with the
//      transcript; each validator checks both (check_successor, check_transcript) and joins a
//      CoSi round on the record (crypto::CosiStar at the candidate). With ≥ 2/3 of the roster
//      signed, the candidate sends the signed record to all; anyone adopts a record whose
//      link and co-signature verify.
//   3. A candidate that has produced no record within attempt_ms is excluded for the epoch
//      and the next one runs; after three, v + 1 and the lottery runs again (view rollover).
//
// Invariants (tested in tests/sim/epoch_test.cpp):
//   - a validator co-signs at most one record per epoch: before its response leaves it
//     persists the record's hash (persist before you speak), and it never responds for another
//     record — two records of one epoch cannot both gather n − ⌊(n−1)/3⌋ signatures, since they
//     would share ⌊(n−1)/3⌋ + 1 signers, one of them honest;
//   - it co-signs only a record whose ticket, link, assignment and transcript it checked
//     itself, from the candidate its own ranking names for that attempt, never an excluded one;
//   - a ticket counts only in its view, from the roster member whose VRF key it carries, once,
//     and only inside the window (late tickets could otherwise be ground against the others).
//
// A validator locked on a record answers a later candidate's other proposal with that record
// (Kind::locked); once f + 1 validators name the same record (so one honest validator is
// locked on it), the candidate checks it and proposes it instead — a record is valid whoever
// gathers its signatures — so a candidate that crashed after collecting responses, before its
// final message, does not leave its co-signers locked for ever. A validator that holds the
// record answers a peer still forming the epoch with it, once.
//
// Known limit (docs/DESIGN.md §4 "Epoch chain"): if two records each got responses (two
// candidates' rounds overlapped: one proposed after others had excluded it) and neither
// reaches the threshold, the validators locked on each stay locked and the epoch waits; a
// PBFT-style lock release with proofs (as ByzCoin's view change) is not built. attempt_ms ≫
// the DRP's duration keeps the overlap out of reach of timing alone.
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "node/core/encoding.hpp"
#include "node/core/rng.hpp"
#include "node/crypto/cosi_star.hpp"
#include "node/crypto/identity.hpp"
#include "node/crypto/vrf.hpp"
#include "node/protocol/core/core.hpp"
#include "node/protocol/drp/client.hpp"
#include "node/protocol/drp/server.hpp"
#include "node/protocol/epoch/epoch_record.hpp"

namespace ios::protocol::epoch {

inline constexpr std::uint32_t attempts_per_view = 3;  // leader and two backups (Algorithm 1)

struct EpochTiming {
  // How long after on_start (after record e − 1, or the node's start) forming e begins; a
  // ticket of view 0 from a peer that began earlier begins it at once, so validators whose
  // clocks or starts differ still open their windows a network delay apart. A Byzantine peer
  // can thereby begin an epoch change early — shortening an epoch, nothing more.
  TimeMs start_delay_ms = 0;
  TimeMs ticket_window_ms = 500;  // Δ of Algorithm 1
  TimeMs attempt_ms = 6000;       // a candidate's DRP and co-signing
  drp::DrpTiming drp{.phase_timeout_ms = 1000, .cosi_rounds_max = 3};
};

// What every validator of the roster shares, built once per epoch (PoPs admitted once).
// create() requires epoch::check_genesis(*genesis).
struct EpochContext {
  std::shared_ptr<const chain::Genesis> genesis;
  std::shared_ptr<const crypto::CosiRoster> roster;     // roster_cosi(genesis)
  std::shared_ptr<const drp::DrpRoster> drp_roster;     // every validator, chain-bound PoPs
  EpochRecord previous;                                 // record e − 1
  core::Hash32 previous_hash{};                         // record_hash(previous): the lottery's and DRP's seed

  static EpochContext create(std::shared_ptr<const chain::Genesis> genesis, EpochRecord previous);
  std::uint64_t epoch() const { return previous.epoch + 1; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(roster->size()); }
};

class EpochCore final : public Core {
 public:
  // `self` is this validator's roster index, which is also its NodeId. `lock_row` is what this
  // validator persisted under "lock" before a restart (the record it co-signed), if anything.
  EpochCore(EpochContext context, std::uint32_t self, const crypto::Identity& identity, core::Rng& rng,
            EpochTiming timing, const std::optional<core::Bytes>& lock_row = std::nullopt);

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;

  std::uint64_t epoch() const { return context_.epoch(); }
  std::uint64_t view() const { return view_; }
  // "waiting", "lottery", "drp" (a candidate runs RandHound and the record's CoSi), "final".
  std::string_view phase() const;
  std::uint32_t attempt() const { return attempt_; }
  // Roster indices of leader and backups in this view, once the window closed.
  const std::vector<std::uint32_t>& candidates() const { return candidates_; }
  const std::optional<SignedEpochRecord>& record() const { return record_; }
  // record_hash of record(), computed once at adoption (the simulator's agreement invariant
  // compares it after every event).
  const std::optional<core::Hash32>& record_id() const { return record_id_; }
  const std::optional<drp::Transcript>& transcript() const { return transcript_; }
  std::optional<core::Hash32> locked() const { return lock_ ? std::optional(lock_->hash) : std::nullopt; }

  enum class Kind : std::uint8_t {
    ticket = 1, drp = 2, propose = 3, commitment = 4, challenge = 5, response = 6, final = 7, locked = 8
  };

 private:
  struct Slot {  // (view, attempt) a message belongs to
    std::uint64_t view = 0;
    std::uint32_t attempt = 0;
    bool operator==(const Slot&) const = default;
  };

  void start_view(TimeMs now, Effects& out);
  void send_ticket(Effects& out);
  void close_window(TimeMs now, Effects& out);
  void start_attempt(TimeMs now, Effects& out);
  std::optional<std::uint32_t> candidate() const;
  Slot slot() const { return {view_, attempt_}; }
  void run_drp(bool to_client, NodeId from, core::ByteView payload, TimeMs now, Effects& out);
  void relay(bool from_client, Effects& inner, TimeMs now, Effects& out);
  void propose(TimeMs now, Effects& out);
  void propose(EpochRecord record, drp::Transcript transcript, TimeMs now, Effects& out);
  void ask_commitments(TimeMs now, Effects& out);
  void challenge(TimeMs now, Effects& out);
  void finish(TimeMs now, Effects& out);
  void adopt(SignedEpochRecord signed_record, std::optional<drp::Transcript> transcript, Effects& out);
  void broadcast(const core::Bytes& payload, Effects& out);
  void note(const std::string& text, Effects& out);  // deliver_epoch_note
  bool ahead(Slot s) const;
  void keep_early(Slot s, NodeId from, core::ByteView payload);
  void replay_early(NodeId candidate, TimeMs now, Effects& out);

  void on_ticket(NodeId from, std::uint64_t view, core::Reader& r, TimeMs now, Effects& out);
  void on_propose(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out);
  void on_commitment(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out);
  void on_challenge(NodeId from, Slot s, core::Reader& r, Effects& out);
  void on_response(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out);
  void on_final(core::Reader& r, Effects& out);
  void on_locked(NodeId from, Slot s, core::Reader& r, TimeMs now, Effects& out);
  bool propose_locked(TimeMs now, Effects& out);
  // A proposal's record and transcript, decoded and checked against record e − 1.
  std::optional<std::pair<EpochRecord, drp::Transcript>> check_proposal(core::ByteView record, core::ByteView transcript) const;

  EpochContext context_;
  std::uint32_t self_;
  crypto::SigningKey signing_key_;
  crypto::VrfSecretKey vrf_key_;
  crypto::Secret<32> pvss_secret_;
  core::Rng& rng_;
  EpochTiming timing_;

  std::uint64_t view_ = 0;
  bool waiting_ = false;  // before start_delay_ms
  bool window_open_ = false;
  std::map<std::uint64_t, std::map<NodeId, lottery::LotteryTicket>> tickets_;  // by view (this and the next), one per sender
  std::vector<std::uint32_t> candidates_;
  std::uint32_t attempt_ = 0;
  std::uint32_t drp_generation_ = 0;  // tags the timers of this attempt's DRP cores
  std::unique_ptr<drp::DrpServer> drp_server_;
  std::unique_ptr<drp::DrpClient> drp_client_;

  // As candidate: the record proposed and the CoSi on it.
  std::optional<EpochRecord> proposal_;
  std::optional<crypto::CosiStar> cosi_;
  // As co-signer.
  std::set<NodeId> locks_heard_;  // senders of Kind::locked this attempt: one each
  // Records validators say they are locked on, by record hash: the first copy that checked and
  // who named it. A claim whose copy does not check is not counted (≤ n claims an attempt, one
  // per sender, so at most n checks, f of them failing).
  struct LockClaim {
    EpochRecord record;
    drp::Transcript transcript;
    std::set<NodeId> claimants;
  };
  std::map<core::Hash32, LockClaim> lock_claims_;
  // RandHound messages from a candidate for a slot not reached yet (ahead, keep_early).
  struct EarlyDrp {
    Slot slot;
    NodeId from = 0;
    core::Bytes payload;
  };
  std::vector<EarlyDrp> early_drp_;
  std::size_t early_drp_bytes_ = 0;
  bool switched_ = false;  // this attempt already proposes a locked record instead of its own: once
  std::uint32_t proposal_checks_ = 0;  // proposals checked this attempt (proposal_checks_max)
  std::set<NodeId> finals_sent_;       // peers sent the final record after it was adopted
  std::uint32_t round_ = 0;       // CoSi rounds asked this attempt, over all proposals
  // As co-signer.
  struct Checked {
    Slot slot;
    EpochRecord record;
    drp::Transcript transcript;
    core::Hash32 hash{};
    std::uint32_t round = 0;  // the round our open commitment is for; 0: none
  };
  crypto::CosiSigner signer_;
  std::optional<Checked> checked_;  // the proposal of the current slot that passed our checks
  struct Lock {
    EpochRecord record;
    drp::Transcript transcript;
    core::Hash32 hash{};
  };
  std::optional<Lock> lock_;  // the one record of this epoch we ever respond for

  std::optional<SignedEpochRecord> record_;
  std::optional<core::Hash32> record_id_;
  std::optional<drp::Transcript> transcript_;
};

}  // namespace ios::protocol::epoch
