#pragma once
// A RandHound transcript (docs/PROTOCOLS.md §7.3): everything a third party needs to recompute and
// check the output offline — the configuration, the signed I1, the chosen dealers' signed R1s,
// the choice with the servers' collective signature, the client's signed I2s and the servers'
// signed R2s, and the claimed output. Canonical binary for storage and hashing; versioned JSON
// (schema ios.drp.transcript.v1) for people, where the CoSi on the choice is spelled out as
// message, aggregate public key and 64-byte signature so any Ed25519 library can check it.
#include <nlohmann/json.hpp>

#include "node/protocol/drp/messages.hpp"

namespace ios::protocol::drp {

struct Transcript {
  DrpConfig config;
  SignedMsg i1;
  std::vector<SignedMsg> r1s;  // the chosen dealers', group by group in choice order
  Choice choice;
  crypto::CollectiveSignature choice_signature;
  std::vector<SignedMsg> i2s;
  std::vector<SignedMsg> r2s;
  crypto::RistrettoPoint z{};
  core::Hash32 randomness{};
};

inline constexpr std::size_t transcript_bytes_max = 256u << 20;

core::Bytes encode(const Transcript& t);
core::Result<Transcript> decode_transcript(core::ByteView bytes);

nlohmann::json to_json(const Transcript& t, core::ByteView pop_chain = crypto::keystore_pop_chain);
core::Result<Transcript> transcript_from_json(const nlohmann::json& j, core::ByteView pop_chain = crypto::keystore_pop_chain);

}  // namespace ios::protocol::drp
