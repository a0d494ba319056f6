#pragma once
// The leader's side of a CoSi signing over a star (docs/PROTOCOLS.md §3): every participant
// answers the leader directly. Used by the RandHound client for its choice
// (node/protocol/drp/client.hpp) and by the epoch leader for the epoch record
// (node/protocol/epoch/epoch_core.hpp). Pure bookkeeping: the caller sends and times.
//
// A round: begin_round(M) → add_commitment from members of M → challenge() over those that
// committed → add_response, each checked on its own (r_i·B = V_i + c·A_i), so one bad signer
// is named and dropped instead of spoiling the aggregate → signature() when every committed
// member responded. A member that committed but did not (validly) respond forces a new round
// with fresh commitments without it — never an exception list (docs/PROTOCOLS.md §3.2: the
// challenge fixes the participant set).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "node/crypto/cosi.hpp"

namespace ios::crypto {

class CosiStar {
 public:
  CosiStar(std::shared_ptr<const CosiRoster> roster, core::Bytes message);

  // Starts the next round, asking `participants` (roster indices) to commit.
  void begin_round(std::set<std::uint32_t> participants);
  std::uint32_t round() const { return round_; }
  const std::set<std::uint32_t>& participants() const { return participants_; }
  const core::Bytes& message() const { return message_; }

  // false (and nothing kept) unless `member` was asked this round, has not committed yet, the
  // challenge is not out, and V_i is a prime-order point.
  bool add_commitment(std::uint32_t member, const core::ByteArray<32>& commitment);
  std::size_t committed() const { return commitments_.size(); }
  bool all_committed() const { return commitments_.size() == participants_.size(); }

  // The challenge over the members that committed, with the mask it fixes. nullopt when the
  // commitments sum to the identity (only commitments chosen to cancel out get there; nobody
  // can be blamed, so the caller starts a new round). Requires committed() > 0.
  std::optional<CosiChallenge> challenge();
  const CosiMask& mask() const { return mask_; }
  bool challenged() const { return challenged_; }

  // false unless the challenge is out, `member` committed, has not answered, and its response
  // verifies against its own commitment and key.
  bool add_response(std::uint32_t member, const core::ByteArray<32>& response);
  bool all_responded() const { return challenged_ && responses_.size() == commitments_.size(); }
  // The members whose responses verified (the next round's participants after a failure).
  std::set<std::uint32_t> responders() const;

  // The collective signature, once every committed member responded.
  std::optional<CollectiveSignature> signature() const;

 private:
  std::shared_ptr<const CosiRoster> roster_;
  core::Bytes message_;
  std::uint32_t round_ = 0;
  std::set<std::uint32_t> participants_;
  std::map<std::uint32_t, core::ByteArray<32>> commitments_;
  std::map<std::uint32_t, core::ByteArray<32>> responses_;
  CosiMask mask_;
  CosiChallenge challenge_{};
  bool challenged_ = false;
};

}  // namespace ios::crypto
