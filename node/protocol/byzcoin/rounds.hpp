#pragma once
// Per-attempt state of the ByzCoin engine (engine.hpp): the CoSi attempt a node leads and the
// one it witnesses. Plain data; the engine owns exactly one of each at a time and drops them
// when the attempt, the view or the height is superseded.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "node/crypto/cosi.hpp"
#include "node/protocol/byzcoin/messages.hpp"
#include "node/protocol/byzcoin/tree.hpp"
#include "node/protocol/core/core.hpp"

namespace ios::protocol::byzcoin {

// One head's part of an attempt: the sum over `mask` of commitments V_i or responses r_i.
struct Contribution {
  core::ByteArray<32> point{};
  crypto::CosiMask mask;
};

// The CoSi attempt this node leads.
struct LeaderRound {
  Announce announce;
  core::Bytes message;
  Tree tree;
  bool committing = true;  // false once the challenge went out
  bool fell_back = false;
  std::map<std::uint32_t, std::vector<std::uint32_t>> heads;  // head -> members it speaks for
  std::map<std::uint32_t, Contribution> commitments;
  crypto::CosiChallenge challenge{};
  crypto::CosiMask participants;
  std::map<std::uint32_t, Contribution> responses;  // valid ones, checked with verify_partial
  std::set<std::uint32_t> answered;                 // heads that sent a response, valid or not
  std::set<std::uint32_t> failed;                   // left out of a restart
};

// The attempt this node takes part in as a leaf or sub-leader.
struct WitnessRound {
  Announce announce;
  core::Bytes message;
  NodeId parent = 0;
  std::vector<std::uint32_t> children;  // a sub-leader's leaves; empty otherwise
  std::optional<core::ByteArray<32>> own;  // own V; nullopt when this node refused to sign
  std::map<std::uint32_t, core::ByteArray<32>> child_commitments;
  bool commitment_sent = false;
  std::optional<Challenge> challenge;
  std::optional<core::ByteArray<32>> own_response;
  crypto::CosiMask sent_mask;  // the members our commitment aggregated
  std::map<std::uint32_t, core::ByteArray<32>> child_responses;  // valid ones only
  std::set<std::uint32_t> child_answered;
  bool response_sent = false;
};

// A message of a future height or view, kept until it becomes current.
struct Pending {
  NodeId from = 0;
  core::Bytes payload;
};

}  // namespace ios::protocol::byzcoin
