#include "node/protocol/drp/transcript.hpp"

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::protocol::drp {

namespace {

void write_list(core::Writer& w, const std::vector<SignedMsg>& list) {
  w.u32(static_cast<std::uint32_t>(list.size()));
  for (const auto& m : list) w.bytes(encode(m));
}

std::vector<SignedMsg> read_list(core::Reader& r) {
  std::vector<SignedMsg> out;
  std::uint32_t n = r.count(servers_max);
  for (std::uint32_t k = 0; k < n && !r.failed(); ++k) {
    auto bytes = r.bytes(message_bytes_max);
    if (r.failed()) break;
    auto m = decode_signed(bytes);
    if (!m) {
      r.fail(m.error().reason, "message " + std::to_string(k) + ": " + m.error().detail);
      break;
    }
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

core::Bytes encode(const Transcript& t) {
  core::Writer w;
  w.u8(drp_version).bytes(encode(t.config)).bytes(encode(t.i1));
  write_list(w, t.r1s);
  w.bytes(encode(t.choice)).bytes(crypto::encode(t.choice_signature));
  write_list(w, t.i2s);
  write_list(w, t.r2s);
  w.raw(t.z).raw(t.randomness);
  return w.take();
}

core::Result<Transcript> decode_transcript(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(drp_version);
  Transcript t;
  auto fail_with = [&r](const core::Error& e, const char* what) { r.fail(e.reason, std::string(what) + ": " + e.detail); };
  auto config = decode_config(r.bytes(message_bytes_max));
  if (config) t.config = *config;
  else if (!r.failed()) fail_with(config.error(), "config");
  auto i1 = decode_signed(r.bytes(message_bytes_max));
  if (i1) t.i1 = *i1;
  else if (!r.failed()) fail_with(i1.error(), "i1");
  t.r1s = read_list(r);
  auto choice = decode_choice(r.bytes(message_bytes_max), t.config.servers.size());
  if (choice) t.choice = *choice;
  else if (!r.failed()) fail_with(choice.error(), "choice");
  auto sig = crypto::decode_collective_signature(r.bytes(message_bytes_max));
  if (sig) t.choice_signature = *sig;
  else if (!r.failed()) fail_with(sig.error(), "choice signature");
  t.i2s = read_list(r);
  t.r2s = read_list(r);
  t.z = r.fixed<32>();
  t.randomness = r.fixed<32>();
  if (auto s = r.finish(); !s) return s.error();
  return t;
}

nlohmann::json to_json(const Transcript& t) {
  auto hex_list = [](const std::vector<SignedMsg>& list) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& m : list) a.push_back(core::to_hex(encode(m)));
    return a;
  };
  auto message = choice_message(session_id(t.config), t.choice);
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : t.choice.dealers) groups.push_back(g);
  // The participants' aggregate key, so any Ed25519 library can check the CoSi on the choice.
  std::optional<crypto::PublicKey> aggregate;
  if (auto roster = DrpRoster::admit(t.config.servers, t.config.pop_epoch); roster) {
    if (auto a = (*roster)->cosi.aggregate(t.choice_signature.mask); a) aggregate = *a;
  }
  return {
      {"schema", "ios.drp.transcript.v1"},
      {"version", 1},
      {"session_id", core::to_hex(session_id(t.config))},
      {"servers", t.config.servers.size()},
      {"groups", t.config.group_count},
      {"purpose", t.config.purpose},
      {"config", core::to_hex(encode(t.config))},
      {"i1", core::to_hex(encode(t.i1))},
      {"r1", hex_list(t.r1s)},
      {"choice", {{"dealers", groups}, {"encoding", core::to_hex(encode(t.choice))}}},
      {"choice_cosi",
       {{"message", core::to_hex(message)},
        {"aggregate_public_key", aggregate ? core::to_hex(*aggregate) : std::string()},
        {"signature", core::to_hex(crypto::as_ed25519(t.choice_signature))},
        {"mask", core::to_hex(t.choice_signature.mask.encode())},
        {"signers", t.choice_signature.mask.count()},
        {"encoding", core::to_hex(crypto::encode(t.choice_signature))}}},
      {"i2", hex_list(t.i2s)},
      {"r2", hex_list(t.r2s)},
      {"output", {{"point", core::to_hex(t.z)}, {"randomness", core::to_hex(t.randomness)}}},
  };
}

core::Result<Transcript> transcript_from_json(const nlohmann::json& j) {
  using core::Reject;
  try {
    if (!j.is_object() || j.value("schema", "") != "ios.drp.transcript.v1")
      return core::reject(Reject::bad_json, "not an ios.drp.transcript.v1 document");
    if (j.at("version").get<int>() != 1) return core::reject(Reject::unknown_version, "transcript version");
    auto hex = [](const nlohmann::json& v, const char* what) -> core::Bytes {
      auto b = core::from_hex(v.get<std::string>());
      if (!b) throw std::invalid_argument(std::string(what) + " is not hex");
      return *b;
    };
    core::Writer w;  // rebuild the canonical encoding from the JSON's parts, then decode strictly
    w.u8(drp_version).bytes(hex(j.at("config"), "config")).bytes(hex(j.at("i1"), "i1"));
    for (const char* list : {"r1"}) {
      w.u32(static_cast<std::uint32_t>(j.at(list).size()));
      for (const auto& m : j.at(list)) w.bytes(hex(m, list));
    }
    w.bytes(hex(j.at("choice").at("encoding"), "choice")).bytes(hex(j.at("choice_cosi").at("encoding"), "choice_cosi"));
    for (const char* list : {"i2", "r2"}) {
      w.u32(static_cast<std::uint32_t>(j.at(list).size()));
      for (const auto& m : j.at(list)) w.bytes(hex(m, list));
    }
    auto point = core::from_hex_fixed<32>(j.at("output").at("point").get<std::string>());
    auto rnd = core::from_hex_fixed<32>(j.at("output").at("randomness").get<std::string>());
    if (!point || !rnd) return core::reject(Reject::bad_hex, "output");
    w.raw(*point).raw(*rnd);
    auto t = decode_transcript(w.view());
    if (!t) return t;
    // The readable fields are derived from the encodings; a document where they disagree
    // (edited by hand to mislead a reader) is refused rather than half-believed.
    if (to_json(*t) != j) return core::reject(Reject::bad_proof, "readable fields disagree with the encodings");
    return t;
  } catch (const std::exception& e) {
    return core::reject(Reject::bad_json, e.what());
  }
}

}  // namespace ios::protocol::drp
