#pragma once
// ByzCoin: PBFT by two CoSi rounds over a tree (Kokoris-Kogias et al., "Enhancing Bitcoin
// Security and Performance with Strong Consistency via Collective Signing", USENIX Security
// 2016, §3–4; docs/PROTOCOLS.md §3, §11; docs/DESIGN.md §2, §4). One height at a time, the league
// agrees on an opaque body proposed by the leader of (height, view) = members[(h + v) % n]:
//
//   prepare  CoSi on prepare_message(h, v, H): each witness validates the body (a refusal is an
//            absent bit) and checks its lock; the result σ_p proves 2f+1 prepared H.
//   commit   CoSi on commit_message(h, v, H, σ_p): each witness checks σ_p, locks on H, signs.
//   final    FinalizedBlock{h, v, prev, body, σ_p, σ_c}: persisted, applied, pushed to all.
//
// Safety claims (each checked in tests/sim/byzcoin_*; README.md maps them):
//   - agreement: no two FinalizedBlocks at one height carry different block hashes, with up to
//     f Byzantine members — a member votes (CoSi-commits) for at most one block per (h, v),
//     persisted before it speaks and reloaded after a crash; and a member that saw σ_p for H in
//     view v is locked on H: in a later view it signs another block only when the proposal
//     carries a prepare certificate from a view above its lock (the PBFT lock);
//   - views are monotonic per height; a stale view is refused (cothority #2264, #1835);
//   - the CoSi rules of cosi.hpp: one open commitment per signer (abandoned when a round is
//     superseded), fresh commitments for every attempt, no exception lists — a witness that
//     committed but did not respond forces a restart without it; sub-leaders check every leaf's
//     response with verify_partial and drop bad ones instead of summing them;
//   - every peer message is classified first (ignore stale / reject bad / buffer future /
//     handle) and never crashes the node; every buffer is bounded.
// Liveness: the leader rotates every height (cothority #1963); a silent sub-leader makes the
// leader contact its subtree directly (star fallback); no final block within the view timeout
// makes members send signed view changes, 2f+1 of them move the view, f+1 make a member join;
// the timeout doubles per failed view at one height (capped); lagging nodes catch up with
// sync_request and verify every block with verify_finality.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/core/rng.hpp"
#include "node/protocol/byzcoin/app.hpp"
#include "node/protocol/byzcoin/messages.hpp"
#include "node/protocol/byzcoin/rounds.hpp"
#include "node/protocol/byzcoin/tree.hpp"
#include "node/protocol/byzcoin/vote.hpp"

namespace ios::protocol::byzcoin {

// Future messages (next heights, higher views) kept until they become current.
inline constexpr std::size_t future_messages_max = 1024;
inline constexpr std::size_t future_messages_per_peer_max = 128;
// Restarted or re-tried attempts of one phase in one view before waiting for a view change.
inline constexpr std::uint32_t attempts_per_phase_max = 8;
// The view timeout doubles per failed view at one height, at most this many times.
inline constexpr std::uint32_t view_timeout_doublings_max = 6;
// Final blocks kept in memory, the newest (bodies up to 4 MiB each): a peer catching up from an
// older height is served from the store (a Load effect), so memory does not grow with the chain.
// Two sync answers' worth, so one answer never has to mix the two sources.
inline constexpr std::size_t final_blocks_in_memory_max = 2 * sync_blocks_max;
// Catch-up answers waiting for their blocks from the store: one per peer, this many in all; a
// request beyond them is refused like one over the byte budget (the peer asks again).
inline constexpr std::size_t store_syncs_pending_max = 4;

class ByzcoinEngine {
 public:
  static constexpr std::uint8_t message_tag = byzcoin::message_tag;

  // `signer` holds the node's CoSi key (nullptr for observers); `rng` draws CoSi nonces;
  // `store` is what this node persisted before (keys with prefix "byzcoin/"), copied here.
  ByzcoinEngine(ByzcoinConfig config, ByzcoinApp& app, crypto::CosiSigner* signer, core::Rng& rng,
                const std::map<std::string, core::Bytes, std::less<>>& store);

  void on_start(TimeMs now, Effects& out);  // replays persisted blocks into app.on_final, arms timers
  void on_message(TimeMs now, NodeId from, core::ByteView payload, Effects& out);
  void on_timer(TimeMs now, TimerId id, Effects& out);
  // The answer to this engine's Load (a catch-up served from the store).
  void on_loaded(TimeMs now, std::uint64_t id, std::vector<std::optional<core::Bytes>> values, Effects& out);
  static bool owns_timer(TimerId id) { return (id >> 56) == message_tag; }

  std::uint64_t height() const { return height_; }  // the next height to finalize
  std::uint64_t first_height() const { return config_.first_height; }
  std::uint64_t view() const { return view_; }
  NodeId leader() const { return config_.members[leader_index(core::Height{height()}, core::View{view_})]; }
  // This segment's newest final blocks, at most final_blocks_in_memory_max: recent()[i] is
  // height recent_from() + i. Older ones are in the store only.
  const std::deque<chain::FinalizedBlock>& recent() const { return recent_; }
  std::uint64_t recent_from() const { return height_ - recent_.size(); }
  // The final block at `height` if it is still in memory, else nullptr.
  const chain::FinalizedBlock* final_at(std::uint64_t height) const;
  bool ended() const { return ended_; }
  const ByzcoinStats& stats() const { return stats_; }
  // The last refused peer message, and how many were refused for each reason.
  const std::optional<core::Error>& last_reject() const { return last_reject_; }
  std::uint64_t rejected(core::Reject reason) const;
  bool is_member() const { return config_.self.has_value(); }
  // The block this member is locked on at the current height, if any.
  std::optional<core::Hash32> locked_block() const;

 private:
  enum class TimerKind : std::uint8_t { block = 1, view, phase, subtree, sync };
  // engine.cpp: classification, dispatch, chain, timers, sync
  core::Status receive(TimeMs now, NodeId from, core::ByteView payload, Effects& out);
  core::Status dispatch_round(TimeMs now, NodeId from, const Message& m, Effects& out);
  void buffer(NodeId from, core::ByteView payload);
  void replay_buffer(TimeMs now, Effects& out);
  bool known_peer(NodeId id) const;
  std::uint32_t leader_index(core::Height height, core::View view) const;
  bool leads_now() const;
  NodeId node_of(std::uint32_t member) const { return config_.members[member]; }
  std::uint32_t self() const { return *config_.self; }
  void send_member(std::uint32_t member, core::Bytes payload, Effects& out);
  void arm(TimerKind kind, TimeMs at, Effects& out);
  void disarm(TimerKind kind, Effects& out);
  TimeMs view_timeout(std::uint64_t view) const;
  core::Status on_final_msg(TimeMs now, NodeId from, const FinalMsg& m, Effects& out);
  void apply_final(TimeMs now, const chain::FinalizedBlock& block, bool persist, Effects& out);
  void enter_height(TimeMs now, Effects& out);
  void reset_round(Effects& out);
  void request_sync(TimeMs now, NodeId to, bool force, Effects& out);
  core::Status accept_block(const chain::FinalizedBlock& block) const;
  core::Status on_sync_request(TimeMs now, NodeId from, const SyncRequest& m, Effects& out);
  core::Status on_sync_response(TimeMs now, NodeId from, const SyncResponse& m, Effects& out);
  void on_sync_timer(TimeMs now, Effects& out);
  core::Status sync_from_store(NodeId from, std::uint64_t from_height, Effects& out);
  void add_recent(SyncResponse& r, std::size_t& bytes, std::uint64_t from) const;
  static bool add_to_answer(SyncResponse& r, std::size_t& bytes, chain::FinalizedBlock b);
  void send_sync(NodeId to, const SyncResponse& r, std::size_t bytes, TimeMs now, Effects& out);
  void replay_store(TimeMs now, Effects& out);
  // The record under `key` if it is of the current height, else the one under `legacy_key`.
  template <class HeightOf>
  std::optional<core::Bytes> stored_at_height(const std::string& key, const std::string& legacy_key,
                                              HeightOf height_of_record) const;
  void record_vote(std::uint64_t view, Phase phase, const core::Hash32& block, Effects& out);
  void record_lock(const PreparedBlock& prepared, Effects& out);
  core::Status check_certificate(std::uint64_t view, const core::Hash32& block,
                                 const crypto::CollectiveSignature& sig) const;

  // leader.cpp: the rounds this node leads
  void propose(TimeMs now, Effects& out);
  void start_attempt(TimeMs now, Announce announce, Effects& out);
  void commit_own(LeaderRound& round, Effects& out);
  core::Status on_commitment(TimeMs now, NodeId from, const Commitment& m, Effects& out);
  core::Status on_response(TimeMs now, NodeId from, const Response& m, Effects& out);
  void on_phase_timer(TimeMs now, Effects& out);
  void fall_back(TimeMs now, Effects& out);
  void send_challenge(TimeMs now, Effects& out);
  void finish_phase(TimeMs now, Effects& out);
  void restart(TimeMs now, const std::set<std::uint32_t>& leave_out, Effects& out);
  void finalize(TimeMs now, const crypto::CollectiveSignature& commit, Effects& out);
  core::Bytes round_message(const Announce& a) const;

  // witness.cpp: the rounds this node witnesses, as leaf or sub-leader
  core::Status on_announce(TimeMs now, NodeId from, const Announce& m, Effects& out);
  core::Status check_announce(NodeId from, const Announce& a) const;
  core::Status judge(const Announce& a);
  core::Status on_duplicate_announce(NodeId from, const Announce& a, Effects& out);
  void send_commitment(Effects& out);
  core::Status on_child_commitment(const Commitment& m, Effects& out);
  core::Status on_challenge(TimeMs now, NodeId from, const Challenge& m, Effects& out);
  core::Status on_child_response(const Response& m, Effects& out);
  void send_response(Effects& out);
  void on_subtree_timer(TimeMs now, Effects& out);

  // view_change.cpp: leaving a view
  void start_view_change(TimeMs now, std::uint64_t target, Effects& out);
  core::Status on_view_change(TimeMs now, NodeId from, const ViewChange& m, Effects& out);
  core::Status check_view_change(const ViewChange& m) const;
  void evaluate_view_changes(TimeMs now, Effects& out);
  core::Status on_new_view(TimeMs now, NodeId from, const NewView& m, Effects& out);
  void move_to_view(TimeMs now, std::uint64_t view, std::vector<ViewChange> proof, Effects& out);
  std::optional<PreparedBlock> best_prepared() const;

  ByzcoinConfig config_;
  ByzcoinApp& app_;
  crypto::CosiSigner* signer_;
  core::Rng& rng_;
  std::map<std::string, core::Bytes, std::less<>> stored_;  // until on_start replays it
  std::uint32_t n_ = 0;
  std::uint32_t quorum_ = 0;
  std::uint32_t f_ = 0;

  std::deque<chain::FinalizedBlock> recent_;
  std::uint64_t height_ = 0;
  bool ended_ = false;  // the app's segment is over (ByzcoinApp::ended)
  core::Hash32 tip_{};  // hash of the last finalized block; zeros before height 0
  std::uint64_t view_ = 0;

  std::optional<Vote> vote_;                // last vote at the current height (persisted)
  std::optional<PreparedBlock> lock_;       // highest prepare certificate at the current height (persisted)
  std::optional<core::Hash32> view_block_;  // the block the leader announced in this view
  std::optional<core::Hash32> validated_;   // the last block app.validate accepted at this height

  std::optional<LeaderRound> lead_;
  bool proposed_ = false;
  std::optional<WitnessRound> witness_;

  std::map<std::uint32_t, ViewChange> view_requests_;  // latest per sender, at this height
  std::uint64_t requested_view_ = 0;                   // highest view this node asked for
  std::vector<ViewChange> view_proof_;                 // why this node is in view_ (bodies stripped)
  std::map<std::uint32_t, std::uint64_t> proof_sent_;  // member -> view whose proof we sent it

  std::deque<Pending> future_;
  std::map<NodeId, std::size_t> future_per_peer_;
  bool replaying_ = false;
  bool replay_again_ = false;

  // Bytes of sync responses sent to each peer in its current one-second window: a peer that
  // asks again and again (each answer up to sync_response_bytes_max) is answered up to
  // sync_response_bytes_per_peer_per_s_max and then refused until the window turns
  // (docs/security.md "Unbounded queues and storage"). Keyed by roster members only (the transport
  // admits no one else), so bounded.
  struct SyncBudget {
    TimeMs window_start_ms = 0;
    std::size_t bytes = 0;
  };
  std::map<NodeId, SyncBudget> sync_budget_;
  // Load id -> the peer whose catch-up it serves (at most store_syncs_pending_max, one per peer).
  std::map<std::uint64_t, NodeId> store_syncs_;
  std::uint64_t next_load_ = 1;

  TimeMs last_sync_ms_ = 0;
  bool synced_once_ = false;
  std::uint64_t sync_poll_height_ = 0;
  std::uint32_t sync_peer_ = 0;

  std::map<TimerKind, std::uint64_t> timer_gen_;
  ByzcoinStats stats_;
  std::optional<core::Error> last_reject_;
  std::map<core::Reject, std::uint64_t> rejected_;
};

}  // namespace ios::protocol::byzcoin
