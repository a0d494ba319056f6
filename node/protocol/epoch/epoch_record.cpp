#include "node/protocol/epoch/epoch_record.hpp"

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/vrf.hpp"
#include "node/protocol/drp/verify.hpp"
#include "node/protocol/pob/shard_setup.hpp"

namespace ios::protocol::epoch {

namespace {

using core::Reject;

constexpr std::string_view record_tag = "IOS/v1/epoch-record";
constexpr std::string_view schema = "ios.epoch.chain.v1";

core::Error refuse(Reject reason, std::string detail) { return core::Error{reason, std::move(detail)}; }

std::vector<std::vector<std::uint32_t>> expected_shards(const chain::Genesis& genesis, const core::Hash32& rnd) {
  auto assignment = pob::assign_shards(genesis, rnd);
  IOS_ASSERT(assignment.ok());  // a valid genesis always fits its own policy
  return assignment->members;
}

}  // namespace

core::Bytes encode(const EpochRecord& r) {
  core::Writer w;
  w.u8(record_version).u64(r.epoch).raw(r.genesis).raw(r.previous).u64(r.view).u32(r.leader);
  w.raw(r.ticket.vrf_key).raw(r.ticket.proof).raw(r.randomness).raw(r.transcript_hash);
  w.u32(static_cast<std::uint32_t>(r.shards.size()));
  for (const auto& shard : r.shards) {
    w.u32(static_cast<std::uint32_t>(shard.size()));
    for (auto i : shard) w.u32(i);
  }
  return w.take();
}

core::Result<EpochRecord> decode_record(core::ByteView bytes, std::size_t roster_size) {
  core::Reader r(bytes);
  r.version(record_version);
  EpochRecord e;
  e.epoch = r.u64();
  e.genesis = r.fixed<32>();
  e.previous = r.fixed<32>();
  e.view = r.u64();
  e.leader = r.u32();
  e.ticket.vrf_key = r.fixed<32>();
  e.ticket.proof = r.fixed<80>();
  e.randomness = r.fixed<32>();
  e.transcript_hash = r.fixed<32>();
  const auto shards = r.count(roster_size);
  for (std::uint32_t j = 0; j < shards && !r.failed(); ++j) {
    const auto members = r.count(roster_size);
    auto& shard = e.shards.emplace_back();
    for (std::uint32_t k = 0; k < members && !r.failed(); ++k) shard.push_back(r.u32());
  }
  if (auto s = r.finish(); !s) return s.error();
  return e;
}

core::Hash32 record_hash(const EpochRecord& r) { return crypto::sha256({core::as_bytes(record_tag), encode(r)}); }

core::Hash32 transcript_hash(const drp::Transcript& t) {
  return crypto::sha256({core::as_bytes("IOS/v1/drp-transcript"), drp::encode(t)});
}

core::Result<std::shared_ptr<const drp::DrpRoster>> drp_roster(const chain::Genesis& genesis) {
  std::vector<drp::ServerKeys> servers;
  for (const auto& v : genesis.validators) {
    if (v.identity.pop_epoch != 0)
      return refuse(Reject::bad_policy, "validator proofs of possession must be made for epoch 0 (registration comes later)");
    servers.push_back({v.identity.signing, v.identity.pop, v.identity.pvss});
  }
  return drp::DrpRoster::admit(std::move(servers), 0, genesis.chain_id_bytes());
}

core::Status check_genesis(const chain::Genesis& genesis) {
  if (auto a = pob::assign_shards(genesis, pob::genesis_randomness(genesis)); !a) return a.error();
  if (auto r = roster_cosi(genesis); !r) return r.error();
  if (auto d = drp_roster(genesis); !d) return d.error();
  return core::Ok{};
}

EpochRecord genesis_record(const chain::Genesis& genesis) {
  EpochRecord r;
  r.genesis = chain::genesis_hash(genesis);
  r.randomness = pob::genesis_randomness(genesis);
  r.shards = expected_shards(genesis, r.randomness);
  return r;
}

std::size_t epoch_signers_min(std::size_t n) { return n - (n == 0 ? 0 : (n - 1) / 3); }

core::Bytes signing_message(const EpochRecord& r) {
  return crypto::tagged_message(record_tag, r.genesis, record_hash(r));
}

core::Result<crypto::CosiRoster> roster_cosi(const chain::Genesis& genesis) {
  std::vector<crypto::CosiKey> keys;
  for (const auto& v : genesis.validators) {
    auto key = crypto::CosiKey::admit(v.identity.signing, genesis.chain_id_bytes(), v.identity.pop_epoch, v.identity.pop);
    if (!key) return key.error();
    keys.push_back(*key);
  }
  return crypto::CosiRoster::create(std::move(keys));
}

std::string drp_purpose(const core::Hash32& genesis, std::uint64_t epoch, std::uint64_t view) {
  return "IOS/v1/epoch " + core::to_hex(genesis) + " epoch " + std::to_string(epoch) + " view " + std::to_string(view);
}

std::uint32_t drp_groups(std::size_t roster_size) {
  return static_cast<std::uint32_t>(std::max<std::size_t>(1, roster_size / 16));
}

core::Hash32 drp_grouping_seed(const core::Hash32& previous_record, std::uint64_t view) {
  core::Writer w;
  w.raw(core::as_bytes("IOS/v1/epoch-drp-grouping")).raw(previous_record).u64(view);
  return crypto::sha256(w.view());
}

core::Status check_successor(const chain::Genesis& genesis, const EpochRecord& previous, const EpochRecord& r) {
  if (r.epoch != previous.epoch + 1)
    return refuse(Reject::wrong_height, "epoch " + std::to_string(r.epoch) + " follows epoch " + std::to_string(previous.epoch));
  if (r.genesis != chain::genesis_hash(genesis)) return refuse(Reject::wrong_shard, "genesis: another chain's record");
  if (r.previous != record_hash(previous)) return refuse(Reject::bad_proof, "previous: not the hash of record " + std::to_string(previous.epoch));
  if (r.leader >= genesis.validators.size()) return refuse(Reject::not_in_roster, "leader " + std::to_string(r.leader));
  if (r.ticket.vrf_key != genesis.validators[r.leader].identity.vrf)
    return refuse(Reject::not_in_roster, "ticket: not the VRF key of validator " + std::to_string(r.leader));
  auto alpha = lottery::leader_alpha({record_hash(previous), r.epoch, r.view});
  if (auto beta = crypto::vrf_verify(r.ticket.vrf_key, r.ticket.proof, alpha); !beta)
    return refuse(beta.error().reason, "ticket: " + beta.error().detail);
  if (r.shards != expected_shards(genesis, r.randomness))
    return refuse(Reject::bad_proof, "shards: not the assignment EDS computes from the randomness");
  return core::Ok{};
}

core::Status check_transcript(const chain::Genesis& genesis, const EpochRecord& r, const drp::Transcript& t) {
  if (transcript_hash(t) != r.transcript_hash) return refuse(Reject::bad_proof, "not the transcript the record names");
  const auto& c = t.config;
  if (c.client != genesis.validators.at(r.leader).identity.signing)
    return refuse(Reject::wrong_leader, "the DRP client is not the record's leader");
  if (c.servers.size() != genesis.validators.size()) return refuse(Reject::not_in_roster, "DRP servers: not the roster");
  for (std::size_t i = 0; i < c.servers.size(); ++i) {
    const auto& id = genesis.validators[i].identity;
    if (c.servers[i].signing != id.signing || c.servers[i].pvss != id.pvss || c.servers[i].pop != id.pop)
      return refuse(Reject::not_in_roster, "DRP server " + std::to_string(i) + ": not roster member " + std::to_string(i));
  }
  if (c.purpose != drp_purpose(r.genesis, r.epoch, r.view)) return refuse(Reject::bad_proof, "DRP purpose: another chain, epoch or view");
  // A client that chose its own grouping could put its colluders together in one group.
  if (c.group_count != drp_groups(c.servers.size()) || c.client_randomness != drp_grouping_seed(r.previous, r.view) ||
      c.timestamp != r.epoch || c.pop_epoch != 0)
    return refuse(Reject::bad_proof, "DRP configuration: not the epoch's (groups, grouping seed, timestamp, PoP epoch)");
  auto v = drp::verify_transcript(t, genesis.chain_id_bytes());
  if (!v.verified) return refuse(v.failure->error.reason, "DRP " + v.failure->message());
  if (v.verified->randomness != r.randomness) return refuse(Reject::bad_proof, "randomness: not the DRP's output");
  return core::Ok{};
}

core::Bytes encode(const SignedEpochRecord& s) {
  core::Writer w;
  w.bytes(encode(s.record)).bytes(crypto::encode(s.signature));
  return w.take();
}

core::Result<SignedEpochRecord> decode_signed_record(core::ByteView bytes, std::size_t roster_size) {
  core::Reader r(bytes);
  auto record = r.bytes(core::encoded_bytes_len_max);
  auto sig = r.bytes(core::encoded_bytes_len_max);
  if (auto s = r.finish(); !s) return s.error();
  auto rec = decode_record(record, roster_size);
  if (!rec) return rec.error();
  auto cs = crypto::decode_collective_signature(sig);
  if (!cs) return cs.error();
  return SignedEpochRecord{std::move(*rec), std::move(*cs)};
}

core::Status check_signature(const crypto::CosiRoster& roster, const SignedEpochRecord& s) {
  return crypto::cosi_verify(roster, signing_message(s.record), s.signature, epoch_signers_min(roster.size()));
}

std::string ChainFailure::message() const {
  return "epoch " + std::to_string(epoch) + ": " + step + ": " + error.message();
}

namespace {

// One record of the document: its encodings, and the readable fields derived from them.
nlohmann::json entry_json(const chain::Genesis& genesis, const crypto::CosiRoster& roster, const ChainEntry& e) {
  const auto& r = e.signed_record.record;
  const auto& sig = e.signed_record.signature;
  nlohmann::json cosi{{"message", core::to_hex(signing_message(r))},
                      {"mask", core::to_hex(sig.mask.encode())},
                      {"signers", sig.mask.count()},
                      {"signature", core::to_hex(crypto::as_ed25519(sig))},
                      {"encoding", core::to_hex(crypto::encode(sig))}};
  if (auto a = roster.aggregate(sig.mask); a) cosi["aggregate_public_key"] = core::to_hex(*a);
  nlohmann::json j{{"epoch", r.epoch},
                   {"view", r.view},
                   {"leader", r.leader},
                   {"randomness", core::to_hex(r.randomness)},
                   {"previous", core::to_hex(r.previous)},
                   {"record_hash", core::to_hex(record_hash(r))},
                   {"shards", r.shards},
                   {"record", core::to_hex(encode(r))},
                   {"cosi", cosi}};
  if (e.transcript) j["transcript"] = drp::to_json(*e.transcript, genesis.chain_id_bytes());
  return j;
}

}  // namespace

nlohmann::json to_json(const chain::Genesis& genesis, const std::vector<ChainEntry>& entries) {
  auto roster = roster_cosi(genesis);
  IOS_ASSERT(roster.ok());
  nlohmann::json records = nlohmann::json::array();
  for (const auto& e : entries) records.push_back(entry_json(genesis, *roster, e));
  return {{"schema", schema},
          {"chain_id", genesis.chain_id},
          {"genesis", core::to_hex(chain::genesis_hash(genesis))},
          {"validators", genesis.validators.size()},
          {"signers_min", epoch_signers_min(genesis.validators.size())},
          {"records", records}};
}

namespace {

// Walks the chain from record 0, one entry at a time; the document's entries are decoded as
// the walk reaches them, so the first failure named is the first in chain order.
class ChainWalk {
 public:
  explicit ChainWalk(const chain::Genesis& genesis) : genesis_(genesis), previous_(genesis_record(genesis)) {
    auto roster = roster_cosi(genesis);
    IOS_ASSERT(roster.ok());  // a valid genesis admits its own roster
    roster_ = std::move(*roster);
    verdict_.last_hash = record_hash(previous_);
  }

  // false once an entry failed (the verdict names it).
  bool fail(std::string step, core::Error error) {
    verdict_.failure = ChainFailure{previous_.epoch + 1, std::move(step), std::move(error)};
    return false;
  }
  bool link(const EpochRecord& r) {
    if (auto s = check_successor(genesis_, previous_, r); !s) return fail("link", s.error());
    return true;
  }
  bool transcript(const EpochRecord& r, const drp::Transcript& t) {
    if (auto s = check_transcript(genesis_, r, t); !s) return fail("transcript", s.error());
    return true;
  }
  bool signature(const SignedEpochRecord& s) {
    if (auto ok = check_signature(roster_, s); !ok) return fail("signature", ok.error());
    previous_ = s.record;
    verdict_.last_hash = record_hash(s.record);
    ++verdict_.epochs;
    return true;
  }
  ChainVerdict verdict() const { return verdict_; }

 private:
  const chain::Genesis& genesis_;
  crypto::CosiRoster roster_;
  EpochRecord previous_;
  ChainVerdict verdict_;
};

}  // namespace

ChainVerdict verify_chain(const chain::Genesis& genesis, const std::vector<ChainEntry>& entries) {
  ChainWalk walk(genesis);
  for (const auto& e : entries) {
    const auto& r = e.signed_record.record;
    if (!walk.link(r) || (e.transcript && !walk.transcript(r, *e.transcript)) || !walk.signature(e.signed_record)) break;
  }
  return walk.verdict();
}

core::Result<ChainVerdict> verify_chain_document(const chain::Genesis& genesis, const nlohmann::json& doc) {
  if (auto ok = check_genesis(genesis); !ok)
    return refuse(ok.error().reason, "genesis: cannot anchor an epoch chain: " + ok.error().message());
  if (!doc.is_object() || !doc.contains("schema") || doc["schema"] != std::string(schema))
    return refuse(Reject::bad_json, "schema: not an epoch chain document (" + std::string(schema) + ")");
  if (!doc.contains("records") || !doc["records"].is_array()) return refuse(Reject::bad_json, "records: expected a list");
  for (const auto& j : doc["records"])
    if (!j.is_object()) return refuse(Reject::bad_json, "records: expected a list of objects");
  const auto n = genesis.validators.size();
  ChainWalk walk(genesis);
  const auto bad = [&](std::string detail) { return walk.fail("decode", refuse(Reject::bad_json, std::move(detail))); };
  const auto hex_field = [](const nlohmann::json& obj, const char* name) -> std::optional<core::Bytes> {
    if (!obj.is_object() || !obj.contains(name) || !obj[name].is_string()) return std::nullopt;
    return core::from_hex(obj[name].get<std::string>());
  };
  auto roster = roster_cosi(genesis);
  IOS_ASSERT(roster.ok());  // check_genesis passed
  for (const auto& j : doc["records"]) {
    auto record_bytes = hex_field(j, "record");
    auto sig_bytes = j.contains("cosi") ? hex_field(j["cosi"], "encoding") : std::nullopt;
    if (!record_bytes || !sig_bytes) {
      bad("record or cosi.encoding: missing or not hex");
      break;
    }
    auto record = decode_record(*record_bytes, n);
    if (!record) {
      walk.fail("decode", record.error());
      break;
    }
    if (!walk.link(*record)) break;
    ChainEntry entry{{std::move(*record), {}}, std::nullopt};
    if (j.contains("transcript")) {
      auto t = drp::transcript_from_json(j["transcript"], genesis.chain_id_bytes());
      if (!t) {
        walk.fail("transcript", t.error());
        break;
      }
      if (!walk.transcript(entry.signed_record.record, *t)) break;
      entry.transcript = std::move(*t);
    }
    auto sig = crypto::decode_collective_signature(*sig_bytes);
    if (!sig) {
      walk.fail("signature", sig.error());
      break;
    }
    entry.signed_record.signature = std::move(*sig);
    // The readable fields are for people (and the co-signature's spelled-out form for other
    // verifiers); a document whose fields say something else than its encodings is refused
    // rather than shown with a meaning the signatures do not carry.
    if (entry_json(genesis, *roster, entry) != j) {
      bad("readable fields disagree with the record's encodings");
      break;
    }
    if (!walk.signature(entry.signed_record)) break;
  }
  return walk.verdict();
}

}  // namespace ios::protocol::epoch
