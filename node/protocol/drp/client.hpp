#pragma once
// The RandHound client (Syta et al. 2017 §IV; docs/PROTOCOLS.md §7.2), as a sans-I/O core. In IOS
// the client is the validator that won the leader lottery (whitepaper Algorithm 1).
//
// Phases, each bounded by `phase_timeout_ms` and ended early when every expected message is in:
//   1. I1 to all servers; collect R1s.
//   2. Choose, per group, the first `threshold` servers (by index) whose dealing verifies.
//   3. CoSi over a star on the choice: Announce, Commitment, Challenge, Response. A server that
//      committed but does not answer forces a new round with fresh commitments without it
//      (never an exception list; docs/PROTOCOLS.md §3.2), at most `cosi_rounds_max` rounds.
//   4. I2 to every server with the signed choice; collect R2s; recover each chosen dealer's
//      secret point from `threshold` verified decrypted shares; Z = Σ; output H(Z).
// Outcome: Deliver("drp-output", 32-byte randomness) and transcript(), or
// Deliver("drp-failed", reason) — never both.
#include <map>
#include <optional>
#include <set>

#include "node/crypto/cosi_star.hpp"
#include "node/protocol/core/core.hpp"
#include "node/protocol/drp/transcript.hpp"

namespace ios::protocol::drp {

struct DrpTiming {
  TimeMs phase_timeout_ms = 2000;
  std::uint32_t cosi_rounds_max = 3;
};

class DrpClient final : public Core {
 public:
  // The client draws no randomness: its signatures are deterministic, and the grouping comes
  // from the configuration's client_randomness.
  DrpClient(DrpConfig config, std::shared_ptr<const DrpRoster> roster, const crypto::SigningKey& key,
            DrpTiming timing = {});

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;

  const std::optional<Transcript>& transcript() const { return transcript_; }
  const std::optional<std::string>& failure() const { return failure_; }

 private:
  enum class Phase : std::uint8_t { r1, commit, respond, r2, done };

  void choose(TimeMs now, Effects& out);
  void announce(std::set<std::uint32_t> participants, TimeMs now, Effects& out);
  void challenge(TimeMs now, Effects& out);
  void finish_cosi(TimeMs now, Effects& out);
  void try_recover(Effects& out);
  void on_r1(const SignedMsg& m, TimeMs now, Effects& out);
  void on_commitment(const SignedMsg& m, TimeMs now, Effects& out);
  void on_response(const SignedMsg& m, TimeMs now, Effects& out);
  void on_r2(const SignedMsg& m, Effects& out);
  void fail(Effects& out, const std::string& why);
  void arm(TimeMs now, Effects& out);

  DrpConfig config_;
  std::shared_ptr<const DrpRoster> roster_;
  crypto::SigningKey key_;
  DrpTiming timing_;
  core::Hash32 session_{};
  std::vector<Group> groups_;
  Phase phase_ = Phase::r1;
  TimerId timer_ = 0;

  SignedMsg i1_;
  core::Hash32 i1_hash_{};
  std::map<std::uint32_t, SignedMsg> r1s_;  // by server, signature and binding checked
  Choice choice_;
  core::Bytes choice_message_;
  std::map<std::uint32_t, crypto::PvssDealing> chosen_dealings_;  // by dealer

  std::optional<crypto::CosiStar> cosi_;  // the servers' sign-off on choice_message_
  crypto::CollectiveSignature choice_signature_;

  std::vector<SignedMsg> i2s_;
  std::map<std::uint32_t, core::Hash32> i2_hash_;  // by server
  std::vector<SignedMsg> r2s_;
  std::map<std::uint32_t, std::vector<crypto::PvssDecryptedShare>> shares_;  // by dealer

  std::optional<Transcript> transcript_;
  std::optional<std::string> failure_;
};

}  // namespace ios::protocol::drp
