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

nlohmann::json to_json(const Transcript& t, core::ByteView pop_chain) {
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
  if (auto roster = DrpRoster::admit(t.config.servers, t.config.pop_epoch, pop_chain); roster) {
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

namespace {

// Fields are named as they appear in the file ("choice.encoding", "r2[3]"), in our words: a
// reader of `ios drp verify` should learn what is wrong with the document, not which library
// call threw.
core::Error field_error(const std::string& field, const std::string& what) {
  return core::reject(core::Reject::bad_json, "field \"" + field + "\" " + what);
}

core::Result<const nlohmann::json*> member(const nlohmann::json& obj, const std::string& parent, const char* name) {
  const std::string field = parent.empty() ? name : parent + "." + name;
  if (!obj.is_object()) return field_error(parent, "must be an object");
  auto it = obj.find(name);
  if (it == obj.end()) return core::reject(core::Reject::bad_json, "missing field \"" + field + "\"");
  return &*it;
}

core::Result<core::Bytes> hex_value(const nlohmann::json& v, const std::string& field) {
  if (!v.is_string()) return field_error(field, "must be a hex string");
  auto b = core::from_hex(v.get_ref<const std::string&>());
  if (!b) return core::reject(core::Reject::bad_hex, "field \"" + field + "\" is not hex");
  return *b;
}

core::Result<core::Bytes> hex_member(const nlohmann::json& obj, const std::string& parent, const char* name) {
  auto m = member(obj, parent, name);
  if (!m) return m.error();
  return hex_value(**m, parent.empty() ? name : parent + "." + name);
}

// A list of hex-encoded messages, appended to `w` as the canonical encoding lays it out.
core::Status write_hex_list(core::Writer& w, const nlohmann::json& j, const char* name) {
  auto m = member(j, "", name);
  if (!m) return m.error();
  if (!(*m)->is_array()) return field_error(name, "must be a list");
  w.u32(static_cast<std::uint32_t>((*m)->size()));
  for (std::size_t k = 0; k < (*m)->size(); ++k) {
    auto b = hex_value((**m)[k], std::string(name) + "[" + std::to_string(k) + "]");
    if (!b) return b.error();
    w.bytes(*b);
  }
  return core::Ok{};
}

}  // namespace

core::Result<Transcript> transcript_from_json(const nlohmann::json& j, core::ByteView pop_chain) {
  using core::Reject;
  if (!j.is_object() || j.value("schema", nlohmann::json()) != "ios.drp.transcript.v1")
    return core::reject(Reject::bad_json, "not an ios.drp.transcript.v1 document");
  auto version = member(j, "", "version");
  if (!version) return version.error();
  if (**version != 1) return core::reject(Reject::unknown_version, "transcript version " + (*version)->dump());
  core::Writer w;  // rebuild the canonical encoding from the JSON's parts, then decode strictly
  w.u8(drp_version);
  for (const char* name : {"config", "i1"}) {
    auto b = hex_member(j, "", name);
    if (!b) return b.error();
    w.bytes(*b);
  }
  if (auto s = write_hex_list(w, j, "r1"); !s) return s.error();
  for (const char* parent : {"choice", "choice_cosi"}) {
    auto obj = member(j, "", parent);
    if (!obj) return obj.error();
    auto b = hex_member(**obj, parent, "encoding");
    if (!b) return b.error();
    w.bytes(*b);
  }
  for (const char* name : {"i2", "r2"}) {
    if (auto s = write_hex_list(w, j, name); !s) return s.error();
  }
  auto output = member(j, "", "output");
  if (!output) return output.error();
  for (const char* name : {"point", "randomness"}) {
    auto b = hex_member(**output, "output", name);
    if (!b) return b.error();
    if (b->size() != 32) return field_error(std::string("output.") + name, "must be 32 bytes of hex");
    w.raw(*b);
  }
  auto t = decode_transcript(w.view());
  if (!t) return t;
  // The readable fields are derived from the encodings; a document where they disagree
  // (edited by hand to mislead a reader) is refused rather than half-believed.
  if (to_json(*t, pop_chain) != j) return core::reject(Reject::bad_proof, "readable fields disagree with the encodings");
  return t;
}

}  // namespace ios::protocol::drp
