#pragma once
// The epoch chain (whitepaper §3, §5; docs/DESIGN.md §4 "Epoch chain"): one record per epoch,
// the root of trust for every later offline check. Record e holds what every validator must
// agree on to run epoch e — the lottery view and winning ticket that made its leader the DRP
// client, rnd_e and the hash of the RandHound transcript that produced it, and the shard
// assignment EDS computes from rnd_e — and the hash of record e−1. Record 0 is derived from
// the genesis alone (rnd_0 = pob::genesis_randomness) and is not signed: the genesis is the
// anchor.
//
// Record e ≥ 1 is co-signed (CoSi, docs/PROTOCOLS.md §3) by at least epoch_signers_min(n) of
// the n validators of the roster, over
//   tagged_message("IOS/v1/epoch-record", genesis_hash, record_hash(record)),
// so the collective signature is a plain Ed25519 signature under the signers' summed keys.
//
// Departure (docs/DESIGN.md §4): validators do not register or leave yet, so the roster and the
// policy of every epoch are the genesis's; the record binds them through its `genesis` field
// (genesis_hash covers roster, stakes, believability inputs and policy) instead of listing
// them again.
//
// Invariants checked by check_successor (each a typed refusal naming the field):
//   epoch = previous.epoch + 1; genesis = genesis_hash; previous = record_hash(previous);
//   leader is a roster index whose VRF key is the ticket's; the ticket verifies for
//   alpha = leader_alpha(record_hash(previous), epoch, view) — so the lottery cannot be
//   ground (its input is the previous record, fixed before anyone draws); shards =
//   EDS(rnd_e) (anyone recomputes the assignment).
#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/chain/genesis.hpp"
#include "node/crypto/cosi.hpp"
#include "node/protocol/drp/transcript.hpp"
#include "node/protocol/lottery/ticket.hpp"

namespace ios::protocol::epoch {

inline constexpr std::uint8_t record_version = 1;

struct EpochRecord {
  std::uint64_t epoch = 0;
  core::Hash32 genesis{};   // genesis_hash of the chain
  core::Hash32 previous{};  // record_hash of record epoch − 1; zero for record 0
  std::uint64_t view = 0;   // the lottery view that elected the leader
  std::uint32_t leader = 0;  // roster index of the DRP client (0 and an empty ticket for record 0)
  lottery::LotteryTicket ticket{};
  core::Hash32 randomness{};       // rnd_e
  core::Hash32 transcript_hash{};  // transcript_hash(the DRP transcript); zero for record 0
  std::vector<std::vector<std::uint32_t>> shards;  // roster indices per shard, ascending (EDS of rnd_e)
};

core::Bytes encode(const EpochRecord& r);
// Refuses what encode never writes: other versions, truncation, trailing bytes, more shards or
// members than roster_size.
core::Result<EpochRecord> decode_record(core::ByteView bytes, std::size_t roster_size);
core::Hash32 record_hash(const EpochRecord& r);
core::Hash32 transcript_hash(const drp::Transcript& t);

// What the epoch chain needs of a genesis beyond chain::validate: a roster that fits its
// policy's shards (pob::assign_shards), whose signing keys admit (CosiKey) and whose
// DRP keys admit with PoPs at registration epoch 0 (distinct PVSS keys). bad_policy or the
// admission's reason otherwise. Every function below that takes a genesis requires it.
core::Status check_genesis(const chain::Genesis& genesis);

// Record 0: the genesis's randomness and assignment.
EpochRecord genesis_record(const chain::Genesis& genesis);

// At least two thirds of n: n − ⌊(n−1)/3⌋.
std::size_t epoch_signers_min(std::size_t roster_size);
core::Bytes signing_message(const EpochRecord& r);

// The roster's signing keys, admitted with their chain-bound proofs of possession.
core::Result<crypto::CosiRoster> roster_cosi(const chain::Genesis& genesis);
// The roster as RandHound servers (signing, PoP and PVSS keys), admitted likewise; bad_policy
// for a PoP made for another epoch than 0.
core::Result<std::shared_ptr<const drp::DrpRoster>> drp_roster(const chain::Genesis& genesis);

// The DRP configuration purpose of epoch e's attempt in view v: a transcript made for another
// chain, epoch or view cannot be presented as this one's.
std::string drp_purpose(const core::Hash32& genesis, std::uint64_t epoch, std::uint64_t view);
// Groups of about 16 servers, as RandHound's analysis assumes (docs/PROTOCOLS.md §7.1).
std::uint32_t drp_groups(std::size_t roster_size);
// The DRP configuration's client_randomness for epoch e, view v: it fixes the grouping, and
// comes from record e − 1, so no client can grind the grouping (check_transcript pins it).
core::Hash32 drp_grouping_seed(const core::Hash32& previous_record, std::uint64_t view);

// The invariants above, for `r` following `previous`.
core::Status check_successor(const chain::Genesis& genesis, const EpochRecord& previous, const EpochRecord& r);
// The transcript is the one `r` names, made by r's leader for r's epoch and view over the
// whole roster with the configuration every epoch's DRP uses (groups, grouping seed,
// timestamp = epoch, PoPs of epoch 0), and verifies offline with output rnd_e.
core::Status check_transcript(const chain::Genesis& genesis, const EpochRecord& r, const drp::Transcript& t);

struct SignedEpochRecord {
  EpochRecord record;
  crypto::CollectiveSignature signature;
};

core::Bytes encode(const SignedEpochRecord& s);
core::Result<SignedEpochRecord> decode_signed_record(core::ByteView bytes, std::size_t roster_size);
core::Status check_signature(const crypto::CosiRoster& roster, const SignedEpochRecord& s);

// An epoch chain document (schema ios.epoch.chain.v1): records 1..E, each with its
// co-signature spelled out (message, mask, signers' aggregate key, Ed25519 signature, all hex)
// beside its encodings, and optionally its DRP transcript.
struct ChainEntry {
  SignedEpochRecord signed_record;
  std::optional<drp::Transcript> transcript;
};
nlohmann::json to_json(const chain::Genesis& genesis, const std::vector<ChainEntry>& entries);

struct ChainFailure {
  std::uint64_t epoch = 0;  // the first record that does not verify
  std::string step;         // "decode", "link", "transcript", "signature"
  core::Error error;
  std::string message() const;  // "epoch 3: signature: bad_signature: ..."
};
struct ChainVerdict {
  std::uint64_t epochs = 0;   // records that verified, after record 0
  core::Hash32 last_hash{};   // record_hash of the last one that verified
  std::optional<ChainFailure> failure;
};

// Walks from record 0 (the genesis) through every entry: link (check_successor), transcript
// (when present), co-signature; stops at the first failure.
ChainVerdict verify_chain(const chain::Genesis& genesis, const std::vector<ChainEntry>& entries);
// The same over a document, each record decoded as the walk reaches it, so the failure named
// is the first in chain order. Refused (bad_json) only when `doc` is not an epoch chain
// document at all (schema, a "records" list of objects); content inside that does not decode
// is a failure like any other: "decode" for a record that does not decode or whose readable
// fields disagree with its encoding, "transcript" or "signature" for those parts.
core::Result<ChainVerdict> verify_chain_document(const chain::Genesis& genesis, const nlohmann::json& doc);

}  // namespace ios::protocol::epoch
