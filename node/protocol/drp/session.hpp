#pragma once
// RandHound session setup (Syta et al., "Scalable Bias-Resistant Distributed Randomness",
// IEEE S&P 2017, §IV; docs/PROTOCOLS.md §7.1; whitepaper §4).
//
// The client fixes a configuration — the servers' keys, the number of groups, a purpose, a
// timestamp and its own randomness for the grouping — and everything else follows from it
// deterministically: the session id binds all of it, and the grouping is a ChaCha20-driven
// Fisher–Yates permutation of the servers keyed by the session id, dealt round-robin into
// groups. Anyone holding the configuration recomputes both, so a client cannot show servers
// one grouping and verifiers another.
//
// Group threshold: a group of n tolerates f = ⌊(n−1)/3⌋ silent or faulty members; a dealer's
// secret needs t = n − f shares. t > f, so the f faulty members of a group learn nothing of an
// honest dealer's secret, and n − f honest members suffice to recover it.
#include <cstdint>
#include <string>
#include <vector>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include <memory>

#include "node/crypto/cosi.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/crypto/ristretto.hpp"

namespace ios::protocol::drp {

inline constexpr std::uint8_t drp_version = 1;
inline constexpr std::size_t servers_max = 4096;
inline constexpr std::size_t purpose_bytes_max = 256;

struct ServerKeys {
  crypto::PublicKey signing{};         // message signatures and CoSi (PoP-verified)
  crypto::Signature pop{};             // proof of possession of `signing` at pop_epoch
  crypto::RistrettoPoint pvss{};       // PVSS encryption key X = x·B
};

inline bool operator==(const ServerKeys& a, const ServerKeys& b) {
  return a.signing == b.signing && a.pop == b.pop && a.pvss == b.pvss;
}

// The servers' keys, admitted once: every PoP verified and every CoSi key built (in a network
// this happens at registration, one epoch ahead). Sessions then only compare against it.
struct DrpRoster {
  std::vector<ServerKeys> servers;
  std::uint64_t pop_epoch = 0;
  crypto::CosiRoster cosi;  // the signing keys, PoP-admitted, with their total precomputed

  // pop_chain: the chain the PoPs are bound to — none for keystores (`ios drp run`), the
  // chain id for a chain's validators (the epoch DRP, node/protocol/epoch).
  static core::Result<std::shared_ptr<const DrpRoster>> admit(std::vector<ServerKeys> servers, std::uint64_t pop_epoch,
                                                              core::ByteView pop_chain = crypto::keystore_pop_chain);
};

struct DrpConfig {
  crypto::PublicKey client{};
  std::vector<ServerKeys> servers;  // server i has index i (0-based) here and NodeId i + 1 in a run
  std::uint32_t group_count = 1;
  std::uint64_t pop_epoch = 0;
  std::uint64_t timestamp = 0;
  std::string purpose;
  core::Hash32 client_randomness{};
};

core::Bytes encode(const DrpConfig& c);
core::Result<DrpConfig> decode_config(core::ByteView bytes);

// Structural checks a verifier runs before anything else: sizes within limits, 1 ≤
// group_count ≤ servers, distinct keys, every PVSS key a valid point. Proofs of possession are
// checked once, by DrpRoster::admit (CosiKey::admit), which also runs these checks.
core::Status validate(const DrpConfig& c);

core::Hash32 session_id(const DrpConfig& c);
// The configuration a roster member expects: same servers and epoch as its roster.
bool matches(const DrpConfig& c, const DrpRoster& roster);

struct Group {
  std::vector<std::uint32_t> members;  // server indices, ascending
  std::uint32_t threshold = 0;         // shares needed: n − ⌊(n−1)/3⌋
};

std::uint32_t group_threshold(std::size_t group_size);
std::vector<Group> grouping(const DrpConfig& c, const core::Hash32& session);
// Signers the CoSi on the choice needs: Σ group thresholds (the groups' own fault tolerance).
std::size_t choice_signers_min(const std::vector<Group>& groups);
// Position of `server` in its group (1-based PVSS index) and the group number.
struct Seat {
  std::uint32_t group = 0;
  std::uint32_t index = 0;
};
Seat seat_of(const std::vector<Group>& groups, std::uint32_t server);
std::vector<crypto::RistrettoPoint> group_keys(const DrpConfig& c, const Group& g);

}  // namespace ios::protocol::drp
