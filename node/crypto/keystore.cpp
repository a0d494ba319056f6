#include "node/crypto/keystore.hpp"

#include <sodium.h>

#include <new>
#include <nlohmann/json.hpp>
#include <optional>

#include "node/core/encoding.hpp"

namespace ios::crypto {

namespace {

using json = nlohmann::json;
using core::Reject;

constexpr std::string_view kind_name = "ios-keystore";
constexpr std::string_view kdf_name = "argon2id13";
constexpr std::string_view cipher_name = "xchacha20poly1305-ietf";
// Domain tag of the associated data, so it can never collide with another signed or hashed
// encoding (docs/PROTOCOLS.md §0.2).
constexpr std::string_view ad_tag = "IOS/v1/keystore";

using Salt = core::ByteArray<crypto_pwhash_argon2id_SALTBYTES>;
using Nonce = core::ByteArray<crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>;
using Ciphertext = core::ByteArray<32 + crypto_aead_xchacha20poly1305_ietf_ABYTES>;

struct Parsed {
  KeystorePublic pub;
  Salt salt{};
  Nonce nonce{};
  Ciphertext ciphertext{};
};

bool kdf_in_bounds(const KdfParams& p) {
  return p.opslimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN && p.opslimit <= keystore_opslimit_max &&
         p.memlimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN && p.memlimit <= keystore_memlimit_max;
}

// Every public field of the file, canonically encoded: the AEAD associated data.
core::Bytes associated_data(const KeystorePublic& pub, const Salt& salt) {
  const PublicIdentity& id = pub.identity;
  core::Writer w;
  w.raw(core::as_bytes(ad_tag)).u8(keystore_version).str(kind_name).str(to_string(id.type)).boolean(pub.insecure);
  w.raw(id.signing);
  if (id.type == KeyType::validator) w.raw(id.vrf).raw(id.pvss).u64(id.pop_epoch).raw(id.pop);
  w.str(kdf_name).u64(pub.kdf.opslimit).u64(pub.kdf.memlimit).raw(salt);
  w.str(cipher_name);
  return w.take();
}

// Argon2id; nullopt only when libsodium cannot allocate memlimit bytes.
std::optional<Secret<32>> derive_key(std::string_view password, const Salt& salt, const KdfParams& p) {
  IOS_ASSERT(kdf_in_bounds(p));
  Secret<32> key;
  const char* pw = password.empty() ? "" : password.data();
  if (crypto_pwhash(key.data(), key.size(), pw, password.size(), salt.data(), p.opslimit, p.memlimit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  return key;
}

// ---- reading: every failure names the field ----

std::string join(std::string_view prefix, std::string_view name) {
  return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

core::Error bad_field(std::string_view prefix, std::string_view name, std::string_view what) {
  return core::reject(Reject::bad_keystore, "field \"" + join(prefix, name) + "\" " + std::string(what));
}

core::Result<const json*> member(const json& obj, std::string_view prefix, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) return core::reject(Reject::bad_keystore, "missing field \"" + join(prefix, name) + "\"");
  return &*it;
}

core::Result<const json*> object_member(const json& obj, std::string_view prefix, const char* name) {
  auto m = member(obj, prefix, name);
  if (m && !(*m)->is_object()) return bad_field(prefix, name, "must be an object");
  return m;
}

core::Result<std::string> string_member(const json& obj, std::string_view prefix, const char* name) {
  auto m = member(obj, prefix, name);
  if (!m) return m.error();
  if (!(*m)->is_string()) return bad_field(prefix, name, "must be a string");
  return (*m)->get<std::string>();
}

core::Result<std::uint64_t> u64_member(const json& obj, std::string_view prefix, const char* name) {
  auto m = member(obj, prefix, name);
  if (!m) return m.error();
  if (!(*m)->is_number_unsigned()) return bad_field(prefix, name, "must be a non-negative integer");
  return (*m)->get<std::uint64_t>();
}

core::Result<bool> bool_member(const json& obj, std::string_view prefix, const char* name) {
  auto m = member(obj, prefix, name);
  if (!m) return m.error();
  if (!(*m)->is_boolean()) return bad_field(prefix, name, "must be true or false");
  return (*m)->get<bool>();
}

template <std::size_t N>
core::Result<core::ByteArray<N>> hex_member(const json& obj, std::string_view prefix, const char* name) {
  auto s = string_member(obj, prefix, name);
  if (!s) return s.error();
  auto bytes = core::from_hex_fixed<N>(*s);
  if (!bytes) return bad_field(prefix, name, "must be hex of " + std::to_string(N) + " bytes");
  return *bytes;
}

core::Status name_member(const json& obj, std::string_view prefix, const char* name, std::string_view expected) {
  auto s = string_member(obj, prefix, name);
  if (!s) return s.error();
  if (*s != expected) return bad_field(prefix, name, "must be \"" + std::string(expected) + "\"");
  return core::Ok{};
}

// First, so that a newer file gets the clear message whatever else changed in it.
core::Status check_version(const json& doc) {
  auto v = u64_member(doc, "", "version");
  if (!v) return v.error();
  if (*v > keystore_version) {
    return core::reject(Reject::unsupported_keystore_version, "keystore version " + std::to_string(*v) +
                                                                  " is newer than this ios supports (" +
                                                                  std::to_string(keystore_version) + ")");
  }
  if (*v == 0) return bad_field("", "version", "must be at least 1");
  return core::Ok{};
}

core::Status parse_public_keys(const json& doc, PublicIdentity& id) {
  auto keys = object_member(doc, "", "public_keys");
  if (!keys) return keys.error();
  const json& k = **keys;
  auto signing = hex_member<32>(k, "public_keys", "signing");
  if (!signing) return signing.error();
  id.signing = *signing;
  if (id.type == KeyType::account) {
    for (const char* name : {"vrf", "pvss"}) {
      if (k.contains(name)) return bad_field("public_keys", name, "must be absent for an account");
    }
    return core::Ok{};
  }
  auto vrf = hex_member<32>(k, "public_keys", "vrf");
  if (!vrf) return vrf.error();
  auto pvss = hex_member<32>(k, "public_keys", "pvss");
  if (!pvss) return pvss.error();
  id.vrf = *vrf;
  id.pvss = *pvss;
  return core::Ok{};
}

core::Status parse_pop(const json& doc, PublicIdentity& id) {
  if (id.type == KeyType::account) {
    if (doc.contains("proof_of_possession"))
      return bad_field("", "proof_of_possession", "must be absent for an account");
    return core::Ok{};
  }
  auto pop = object_member(doc, "", "proof_of_possession");
  if (!pop) return pop.error();
  auto epoch = u64_member(**pop, "proof_of_possession", "epoch");
  if (!epoch) return epoch.error();
  auto sig = hex_member<64>(**pop, "proof_of_possession", "signature");
  if (!sig) return sig.error();
  id.pop_epoch = *epoch;
  id.pop = *sig;
  return core::Ok{};
}

core::Status parse_kdf(const json& doc, Parsed& p) {
  auto kdf = object_member(doc, "", "kdf");
  if (!kdf) return kdf.error();
  const json& k = **kdf;
  if (auto s = name_member(k, "kdf", "name", kdf_name); !s) return s;
  auto ops = u64_member(k, "kdf", "opslimit");
  if (!ops) return ops.error();
  auto mem = u64_member(k, "kdf", "memlimit");
  if (!mem) return mem.error();
  auto salt = hex_member<Salt{}.size()>(k, "kdf", "salt");
  if (!salt) return salt.error();
  // Checked before Argon2id runs: a hostile file must not make us allocate 100 GB or spin
  // for hours.
  if (*ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || *ops > keystore_opslimit_max) {
    return bad_field("kdf", "opslimit",
                     "must be between " + std::to_string(crypto_pwhash_argon2id_OPSLIMIT_MIN) + " and " +
                         std::to_string(keystore_opslimit_max));
  }
  if (*mem < crypto_pwhash_argon2id_MEMLIMIT_MIN || *mem > keystore_memlimit_max) {
    return bad_field("kdf", "memlimit",
                     "must be between " + std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MIN) + " and " +
                         std::to_string(keystore_memlimit_max) + " bytes");
  }
  p.pub.kdf = KdfParams{*ops, static_cast<std::size_t>(*mem)};
  p.salt = *salt;
  return core::Ok{};
}

core::Status parse_cipher(const json& doc, Parsed& p) {
  auto cipher = object_member(doc, "", "cipher");
  if (!cipher) return cipher.error();
  const json& c = **cipher;
  if (auto s = name_member(c, "cipher", "name", cipher_name); !s) return s;
  auto nonce = hex_member<Nonce{}.size()>(c, "cipher", "nonce");
  if (!nonce) return nonce.error();
  auto ct = hex_member<Ciphertext{}.size()>(c, "cipher", "ciphertext");
  if (!ct) return ct.error();
  p.nonce = *nonce;
  p.ciphertext = *ct;
  return core::Ok{};
}

// verify_public_identity, with a detail naming the field that fails.
core::Status check_identity(const PublicIdentity& id) {
  if (crypto_core_ed25519_is_valid_point(id.signing.data()) != 1) {
    return bad_field("public_keys", "signing", "is not a valid Ed25519 public key");
  }
  if (id.type == KeyType::validator) {
    if (crypto_core_ed25519_is_valid_point(id.vrf.data()) != 1) {
      return bad_field("public_keys", "vrf", "is not a valid Ed25519 public key");
    }
    if (crypto_core_ristretto255_is_valid_point(id.pvss.data()) != 1) {
      return bad_field("public_keys", "pvss", "is not a valid ristretto255 point");
    }
    if (!verify_pop(id.signing, keystore_pop_chain, id.pop_epoch, id.pop)) {
      return bad_field("", "proof_of_possession", "does not verify for public_keys.signing");
    }
  }
  IOS_ASSERT(verify_public_identity(id, keystore_pop_chain));  // the two checks must agree
  return core::Ok{};
}

core::Result<json> parse_json(std::string_view text) {
  if (text.size() > keystore_bytes_max) {
    return core::reject(Reject::bad_keystore, "larger than " + std::to_string(keystore_bytes_max) + " bytes");
  }
  try {
    json doc = json::parse(text.begin(), text.end());
    if (!doc.is_object()) return core::reject(Reject::bad_keystore, "not a JSON object");
    return doc;
  } catch (const json::exception& e) {
    return core::reject(Reject::bad_keystore, std::string("not valid JSON: ") + e.what());
  }
}

core::Result<Parsed> parse(std::string_view text) {
  auto doc_or = parse_json(text);
  if (!doc_or) return doc_or.error();
  const json& doc = *doc_or;
  if (auto s = check_version(doc); !s) return s.error();
  if (auto s = name_member(doc, "", "kind", kind_name); !s) return s.error();
  auto type_text = string_member(doc, "", "type");
  if (!type_text) return type_text.error();
  auto type = key_type_from_string(*type_text);
  if (!type) return bad_field("", "type", "must be \"validator\" or \"account\"");
  auto insecure = bool_member(doc, "", "insecure");
  if (!insecure) return insecure.error();
  Parsed p;
  p.pub.identity.type = *type;
  p.pub.insecure = *insecure;
  if (auto s = parse_public_keys(doc, p.pub.identity); !s) return s.error();
  if (auto s = parse_pop(doc, p.pub.identity); !s) return s.error();
  if (auto s = parse_kdf(doc, p); !s) return s.error();
  if (auto s = parse_cipher(doc, p); !s) return s.error();
  if (auto s = check_identity(p.pub.identity); !s) return s.error();
  return p;
}

std::string to_json_text(const KeystorePublic& pub, const Salt& salt, const Nonce& nonce, const Ciphertext& ct) {
  // ordered_json keeps the documented field order, for people reading the file.
  using ojson = nlohmann::ordered_json;
  const PublicIdentity& id = pub.identity;
  ojson doc;
  doc["version"] = keystore_version;
  doc["kind"] = std::string(kind_name);
  doc["type"] = std::string(to_string(id.type));
  doc["insecure"] = pub.insecure;
  ojson keys;
  keys["signing"] = core::to_hex(id.signing);
  if (id.type == KeyType::validator) {
    keys["vrf"] = core::to_hex(id.vrf);
    keys["pvss"] = core::to_hex(id.pvss);
  }
  doc["public_keys"] = keys;
  if (id.type == KeyType::validator) {
    doc["proof_of_possession"] = ojson{{"epoch", id.pop_epoch}, {"signature", core::to_hex(id.pop)}};
  }
  doc["kdf"] = ojson{{"name", std::string(kdf_name)},
                     {"opslimit", pub.kdf.opslimit},
                     {"memlimit", pub.kdf.memlimit},
                     {"salt", core::to_hex(salt)}};
  doc["cipher"] =
      ojson{{"name", std::string(cipher_name)}, {"nonce", core::to_hex(nonce)}, {"ciphertext", core::to_hex(ct)}};
  return doc.dump(2) + "\n";
}

}  // namespace

KdfParams KdfParams::moderate() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
}

KdfParams KdfParams::insecure() { return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN}; }

std::string keystore_encrypt(const Identity& identity, std::string_view password, KdfParams params, bool insecure) {
  KeystorePublic pub{identity.public_identity(), insecure, params};
  Salt salt{};
  Nonce nonce{};
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());  // 192-bit random nonces never repeat in practice
  auto key = derive_key(password, salt, params);
  if (!key) throw std::bad_alloc();
  core::Bytes ad = associated_data(pub, salt);
  Ciphertext ct{};
  unsigned long long ct_len = 0;
  const Secret<32>& seed = identity.master_seed();
  IOS_ASSERT(crypto_aead_xchacha20poly1305_ietf_encrypt(ct.data(), &ct_len, seed.data(), seed.size(), ad.data(),
                                                        ad.size(), nullptr, nonce.data(), key->data()) == 0);
  IOS_ASSERT(ct_len == ct.size());
  return to_json_text(pub, salt, nonce, ct);
}

core::Result<KeystorePublic> keystore_read_public(std::string_view json_text) {
  auto parsed = parse(json_text);
  if (!parsed) return parsed.error();
  return parsed->pub;
}

core::Result<Identity> keystore_decrypt(std::string_view json_text, std::string_view password) {
  auto parsed = parse(json_text);
  if (!parsed) return parsed.error();
  const KeystorePublic& pub = parsed->pub;
  auto key = derive_key(password, parsed->salt, pub.kdf);
  if (!key) {
    return core::reject(Reject::io_error,
                        "argon2id could not allocate its " + std::to_string(pub.kdf.memlimit) + " bytes of memory");
  }
  core::Bytes ad = associated_data(pub, parsed->salt);
  Secret<32> seed;
  unsigned long long seed_len = 0;
  const Ciphertext& ct = parsed->ciphertext;
  // The Poly1305 tag covers the ciphertext and the associated data: a wrong key (password)
  // and an edited public field fail the same check, so they cannot be told apart.
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed.data(), &seed_len, nullptr, ct.data(), ct.size(), ad.data(),
                                                 ad.size(), parsed->nonce.data(), key->data()) != 0) {
    return core::reject(Reject::wrong_password, "wrong password or tampered keystore");
  }
  IOS_ASSERT(seed_len == seed.size());
  Identity identity = Identity::from_master_seed(pub.identity.type, seed, pub.identity.pop_epoch);
  // Only a writer holding the key could get here with mismatched keys (a buggy or malicious
  // tool); refuse rather than sign with keys other than the ones the file advertises.
  if (!(identity.public_identity() == pub.identity)) {
    return core::reject(Reject::bad_keystore, "the encrypted seed does not derive the public keys in the file");
  }
  return identity;
}

}  // namespace ios::crypto
