// Identities (master seed -> signing, VRF, PVSS sub-keys), the encrypted keystore format and
// the 0600 secret-file helpers. Most tests use KdfParams::insecure() for speed; one unlocks a
// keystore made with the default (moderate) parameters and prints how long it took.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "node/crypto/ed25519.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/identity.hpp"
#include "node/crypto/keystore.hpp"
#include "node/crypto/keystore_file.hpp"

using namespace ios;
using namespace ios::crypto;
using core::Reject;
using nlohmann::json;

namespace {

[[maybe_unused]] const bool sodium_ready = (init(), true);

Secret<32> seed_counting_from(std::uint8_t first) {
  Secret<32> s;
  for (std::size_t i = 0; i < 32; ++i) s.data()[i] = static_cast<std::uint8_t>(first + i);
  return s;
}

std::string hex(core::ByteView v) { return core::to_hex(v); }

const std::string password = "correct horse battery staple";

// One keystore per type, made once (insecure KDF: the tests are about the format).
const std::string& validator_keystore() {
  static const std::string text = keystore_encrypt(
      Identity::from_master_seed(KeyType::validator, seed_counting_from(1), 7), password, KdfParams::insecure(), false);
  return text;
}

const std::string& account_keystore() {
  static const std::string text = keystore_encrypt(Identity::from_master_seed(KeyType::account, seed_counting_from(2)),
                                                   password, KdfParams::insecure(), false);
  return text;
}

// Another hex digit at position i, so the bytes really change (not just the letter case).
std::string flip_hex_char(std::string s, std::size_t i) {
  s[i] = s[i] == '0' ? '1' : '0';
  return s;
}

::testing::AssertionResult refused(const core::Result<Identity>& r, const std::string& what) {
  if (r.ok()) return ::testing::AssertionFailure() << what << ": decrypted a tampered keystore";
  Reject reason = r.error().reason;
  if (reason != Reject::wrong_password && reason != Reject::bad_keystore) {
    return ::testing::AssertionFailure() << what << ": unexpected " << r.error().message();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

// ---- identities ----

TEST(Identity, SubkeyDerivationIsDeterministicAndSubkeysDiffer) {
  Identity a = Identity::from_master_seed(KeyType::validator, seed_counting_from(1));
  Identity b = Identity::from_master_seed(KeyType::validator, seed_counting_from(1));
  EXPECT_TRUE(a.signing_seed().equals(b.signing_seed()));
  EXPECT_TRUE(a.vrf_seed().equals(b.vrf_seed()));
  EXPECT_TRUE(a.pvss_scalar().equals(b.pvss_scalar()));
  EXPECT_FALSE(a.signing_seed().equals(a.vrf_seed()));
  EXPECT_FALSE(a.signing_seed().equals(a.pvss_scalar()));
  EXPECT_FALSE(a.vrf_seed().equals(a.pvss_scalar()));
  EXPECT_FALSE(a.signing_seed().equals(a.master_seed()));
  // The PVSS scalar is canonical (< L), the form the ristretto255 code expects.
  EXPECT_TRUE(sodium_is_zero(a.pvss_scalar().data(), 32) == 0);
  EXPECT_LE(a.pvss_scalar().data()[31], 0x10);  // L = 2^252 + ...: the top byte is at most 0x10
}

TEST(Identity, SameMasterSeedSamePublicIdentity) {
  Identity a = Identity::from_master_seed(KeyType::validator, seed_counting_from(1), 3);
  Identity b = Identity::from_master_seed(KeyType::validator, seed_counting_from(1), 3);
  EXPECT_EQ(a.public_identity(), b.public_identity());
  Identity c = Identity::from_master_seed(KeyType::validator, seed_counting_from(9), 3);
  EXPECT_NE(a.public_identity().signing, c.public_identity().signing);
  EXPECT_NE(a.public_identity().vrf, c.public_identity().vrf);
  EXPECT_NE(a.public_identity().pvss, c.public_identity().pvss);
  Identity g1 = Identity::generate(KeyType::validator);
  Identity g2 = Identity::generate(KeyType::validator);
  EXPECT_NE(g1.public_identity().signing, g2.public_identity().signing);
}

// Pinned output, cross-checked with a separate C program calling libsodium directly (kdf
// "IOSKEYv1" ids 1/2/3, seed_keypair, scalar_reduce, scalarmult_base): a change here breaks
// every existing keystore and every --seed devnet.
TEST(Identity, DerivationKnownAnswer) {
  Identity id = Identity::from_master_seed(KeyType::validator, seed_counting_from(0), 0);
  const PublicIdentity& p = id.public_identity();
  EXPECT_EQ(hex(p.signing), "7043d9b1405f85eeed237506c59552dee1878e4059e0817e30b68c61fbc03013");
  EXPECT_EQ(hex(p.vrf), "1ef5ee355fe277f433230ba941fe4fd31c63f38113ea841801ddb04cac3b73ba");
  EXPECT_EQ(hex(p.pvss), "62e1a3c5ce1483c27f25b0a57d8f436d577613aae01db43e7978399ce7069575");
}

TEST(Identity, PublicKeysMatchTheSubkeys) {
  Identity id = Identity::from_master_seed(KeyType::validator, seed_counting_from(4), 11);
  const PublicIdentity& p = id.public_identity();
  EXPECT_EQ(p.signing, SigningKey(id.signing_seed()).public_key());
  EXPECT_EQ(p.vrf, SigningKey(id.vrf_seed()).public_key());
  core::ByteArray<32> pvss{};
  ASSERT_EQ(crypto_scalarmult_ristretto255_base(pvss.data(), id.pvss_scalar().data()), 0);
  EXPECT_EQ(p.pvss, pvss);
  EXPECT_EQ(p.pop_epoch, 11u);
}

TEST(Identity, ProofOfPossessionVerifies) {
  Identity id = Identity::from_master_seed(KeyType::validator, seed_counting_from(5), 42);
  const PublicIdentity& p = id.public_identity();
  EXPECT_TRUE(verify_pop(p.signing, keystore_pop_chain, 42, p.pop));
  EXPECT_FALSE(verify_pop(p.signing, keystore_pop_chain, 43, p.pop));
  EXPECT_TRUE(verify_public_identity(p, keystore_pop_chain));

  PublicIdentity altered = p;
  altered.pop[0] ^= 1;
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));
  altered = p;
  altered.pop_epoch = 43;
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));
  altered = p;
  altered.signing = Identity::from_master_seed(KeyType::validator, seed_counting_from(6), 42).public_identity().signing;
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));  // someone else's key with our PoP
  altered = p;
  altered.pvss.fill(0xff);  // not a canonical ristretto255 encoding
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));
  altered = p;
  altered.vrf.fill(0);  // small order
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));
}

TEST(Identity, AccountsCarryOnlyTheSigningKey) {
  Identity id = Identity::from_master_seed(KeyType::account, seed_counting_from(5), 42);
  const PublicIdentity& p = id.public_identity();
  EXPECT_EQ(p.type, KeyType::account);
  EXPECT_EQ(p.vrf, PublicKey{});
  EXPECT_EQ(p.pvss, (core::ByteArray<32>{}));
  EXPECT_EQ(p.pop, Signature{});
  EXPECT_EQ(p.pop_epoch, 0u);
  EXPECT_TRUE(verify_public_identity(p, keystore_pop_chain));
  PublicIdentity altered = p;
  altered.vrf[0] = 1;
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));
  altered = p;
  altered.signing.fill(0);
  EXPECT_FALSE(verify_public_identity(altered, keystore_pop_chain));
}

TEST(Identity, KeyTypeNames) {
  EXPECT_EQ(to_string(KeyType::validator), "validator");
  EXPECT_EQ(to_string(KeyType::account), "account");
  EXPECT_EQ(key_type_from_string("validator"), KeyType::validator);
  EXPECT_EQ(key_type_from_string("account"), KeyType::account);
  EXPECT_EQ(key_type_from_string("Validator"), std::nullopt);
  EXPECT_EQ(key_type_from_string(""), std::nullopt);
}

// ---- keystore round trips ----

TEST(Keystore, ValidatorRoundTrip) {
  Identity id = Identity::from_master_seed(KeyType::validator, seed_counting_from(1), 7);
  const std::string& text = validator_keystore();
  auto pub = keystore_read_public(text);
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  EXPECT_EQ(pub->identity, id.public_identity());
  EXPECT_FALSE(pub->insecure);
  EXPECT_EQ(pub->kdf, KdfParams::insecure());
  auto back = keystore_decrypt(text, password);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->master_seed().equals(id.master_seed()));
  EXPECT_EQ(back->public_identity(), id.public_identity());

  json doc = json::parse(text);
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["kind"], "ios-keystore");
  EXPECT_EQ(doc["type"], "validator");
  EXPECT_EQ(doc["public_keys"]["signing"], hex(id.public_identity().signing));
  EXPECT_EQ(doc["proof_of_possession"]["epoch"], 7);
  EXPECT_EQ(doc["kdf"]["name"], "argon2id13");
  EXPECT_EQ(doc["cipher"]["name"], "xchacha20poly1305-ietf");
  EXPECT_EQ(text.find(hex(id.master_seed().view())), std::string::npos);  // never in clear
}

TEST(Keystore, AccountRoundTrip) {
  Identity id = Identity::from_master_seed(KeyType::account, seed_counting_from(2));
  const std::string& text = account_keystore();
  json doc = json::parse(text);
  EXPECT_EQ(doc["type"], "account");
  EXPECT_FALSE(doc["public_keys"].contains("vrf"));
  EXPECT_FALSE(doc.contains("proof_of_possession"));
  auto back = keystore_decrypt(text, password);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->master_seed().equals(id.master_seed()));
  EXPECT_EQ(back->public_identity(), id.public_identity());
}

TEST(Keystore, InsecureDevKeySaysSoAndEmptyPasswordWorks) {
  Identity id = Identity::generate(KeyType::validator);
  std::string text = keystore_encrypt(id, "", KdfParams::insecure(), true);
  EXPECT_EQ(json::parse(text)["insecure"], true);
  auto pub = keystore_read_public(text);
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(pub->insecure);
  auto back = keystore_decrypt(text, "");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->master_seed().equals(id.master_seed()));
}

TEST(Keystore, TwoEncryptionsUseFreshSaltAndNonce) {
  Identity id = Identity::generate(KeyType::account);
  json a = json::parse(keystore_encrypt(id, password, KdfParams::insecure(), false));
  json b = json::parse(keystore_encrypt(id, password, KdfParams::insecure(), false));
  EXPECT_NE(a["kdf"]["salt"], b["kdf"]["salt"]);
  EXPECT_NE(a["cipher"]["nonce"], b["cipher"]["nonce"]);
  EXPECT_NE(a["cipher"]["ciphertext"], b["cipher"]["ciphertext"]);
}

TEST(Keystore, DefaultParamsRoundTripAndUnlockTime) {
  KdfParams params = KdfParams::moderate();
  EXPECT_EQ(params.opslimit, crypto_pwhash_argon2id_OPSLIMIT_MODERATE);
  EXPECT_EQ(params.memlimit, std::size_t{crypto_pwhash_argon2id_MEMLIMIT_MODERATE});
  Identity id = Identity::generate(KeyType::validator, 1);
  std::string text = keystore_encrypt(id, password, params, false);
  auto start = std::chrono::steady_clock::now();
  auto back = keystore_decrypt(text, password);
  auto unlock_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->master_seed().equals(id.master_seed()));
  std::fprintf(stderr, "keystore unlock with KdfParams::moderate(): %lld ms\n", static_cast<long long>(unlock_ms));
  RecordProperty("unlock_ms", std::to_string(unlock_ms));
  EXPECT_EQ(keystore_decrypt(text, "wrong").error().reason, Reject::wrong_password);
}

// ---- refusals ----

TEST(Keystore, WrongPassword) {
  for (const std::string* text : {&validator_keystore(), &account_keystore()}) {
    for (std::string_view wrong : {"", "correct horse battery stapl", "Correct horse battery staple"}) {
      auto r = keystore_decrypt(*text, wrong);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().reason, Reject::wrong_password);
      EXPECT_EQ(r.error().detail, "wrong password or tampered keystore");
    }
  }
}

TEST(Keystore, TamperingWithAnyHexFieldIsRefused) {
  const std::vector<std::pair<const std::string*, std::vector<json::json_pointer>>> cases = {
      {&validator_keystore(),
       {json::json_pointer("/public_keys/signing"), json::json_pointer("/public_keys/vrf"),
        json::json_pointer("/public_keys/pvss"), json::json_pointer("/proof_of_possession/signature"),
        json::json_pointer("/kdf/salt"), json::json_pointer("/cipher/nonce"),
        json::json_pointer("/cipher/ciphertext")}},
      {&account_keystore(),
       {json::json_pointer("/public_keys/signing"), json::json_pointer("/kdf/salt"),
        json::json_pointer("/cipher/nonce"), json::json_pointer("/cipher/ciphertext")}},
  };
  for (const auto& [text, pointers] : cases) {
    json doc = json::parse(*text);
    for (const auto& ptr : pointers) {
      std::string value = doc[ptr].get<std::string>();
      for (std::size_t i : {std::size_t{0}, value.size() / 2, value.size() - 1}) {
        json t = doc;
        t[ptr] = flip_hex_char(value, i);
        EXPECT_TRUE(refused(keystore_decrypt(t.dump(), password), ptr.to_string() + " char " + std::to_string(i)));
      }
    }
  }
}

// These edits leave the file well-formed (valid points, a PoP that verifies), so only the AEAD
// associated data catches them.
TEST(Keystore, WellFormedEditsAreCaughtByTheAssociatedData) {
  const PublicIdentity other = Identity::generate(KeyType::validator, 7).public_identity();
  const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
      {"vrf", [&](json& d) { d["public_keys"]["vrf"] = hex(other.vrf); }},
      {"pvss", [&](json& d) { d["public_keys"]["pvss"] = hex(other.pvss); }},
      {"signing and pop",
       [&](json& d) {
         d["public_keys"]["signing"] = hex(other.signing);
         d["proof_of_possession"]["signature"] = hex(other.pop);
       }},
      {"insecure", [](json& d) { d["insecure"] = !d["insecure"].get<bool>(); }},
      {"kdf.opslimit", [](json& d) { d["kdf"]["opslimit"] = d["kdf"]["opslimit"].get<std::uint64_t>() + 1; }},
      {"kdf.memlimit", [](json& d) { d["kdf"]["memlimit"] = d["kdf"]["memlimit"].get<std::uint64_t>() * 2; }},
      {"salt", [](json& d) { d["kdf"]["salt"] = flip_hex_char(d["kdf"]["salt"].get<std::string>(), 5); }},
      {"ciphertext",
       [](json& d) { d["cipher"]["ciphertext"] = flip_hex_char(d["cipher"]["ciphertext"].get<std::string>(), 3); }},
  };
  for (const auto& [name, edit] : edits) {
    json doc = json::parse(validator_keystore());
    edit(doc);
    ASSERT_TRUE(keystore_read_public(doc.dump()).ok()) << name;  // structurally fine...
    auto r = keystore_decrypt(doc.dump(), password);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().reason, Reject::wrong_password) << name;  // ...but not authentic
  }
  json account = json::parse(account_keystore());
  account["public_keys"]["signing"] = hex(Identity::generate(KeyType::account).public_identity().signing);
  ASSERT_TRUE(keystore_read_public(account.dump()).ok());
  EXPECT_EQ(keystore_decrypt(account.dump(), password).error().reason, Reject::wrong_password);
}

TEST(Keystore, TamperingWithTypeOrEpochIsRefused) {
  json v = json::parse(validator_keystore());
  json t = v;
  t["type"] = "account";
  EXPECT_TRUE(refused(keystore_decrypt(t.dump(), password), "validator -> account"));
  t = v;
  t["proof_of_possession"]["epoch"] = 8;
  EXPECT_TRUE(refused(keystore_decrypt(t.dump(), password), "pop epoch"));
  json a = json::parse(account_keystore());
  t = a;
  t["type"] = "validator";
  EXPECT_TRUE(refused(keystore_decrypt(t.dump(), password), "account -> validator"));
  // A validator's public part grafted onto an account's ciphertext (both structurally valid).
  t = v;
  t["cipher"] = a["cipher"];
  t["kdf"] = a["kdf"];
  EXPECT_TRUE(refused(keystore_decrypt(t.dump(), password), "graft"));
}

TEST(Keystore, TruncatedJsonIsBadKeystore) {
  const std::string& text = validator_keystore();
  std::string body = text.substr(0, text.find_last_of('}'));  // every proper prefix of the object
  for (std::size_t len = 0; len <= body.size(); ++len) {
    auto r = keystore_decrypt(std::string_view(text).substr(0, len), password);
    ASSERT_FALSE(r.ok()) << len;
    ASSERT_EQ(r.error().reason, Reject::bad_keystore) << len << ": " << r.error().message();
  }
  for (std::string_view junk : {"", "null", "[]", "1", "\"keystore\"", "{", "{}x", "\xff\xfe"}) {
    auto r = keystore_read_public(junk);
    ASSERT_FALSE(r.ok()) << junk;
    EXPECT_EQ(r.error().reason, Reject::bad_keystore) << junk;
  }
}

TEST(Keystore, MissingFieldsAreBadKeystoreNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"/version", "version"},
      {"/kind", "kind"},
      {"/type", "type"},
      {"/insecure", "insecure"},
      {"/public_keys", "public_keys"},
      {"/public_keys/signing", "public_keys.signing"},
      {"/public_keys/vrf", "public_keys.vrf"},
      {"/public_keys/pvss", "public_keys.pvss"},
      {"/proof_of_possession", "proof_of_possession"},
      {"/proof_of_possession/epoch", "proof_of_possession.epoch"},
      {"/proof_of_possession/signature", "proof_of_possession.signature"},
      {"/kdf", "kdf"},
      {"/kdf/name", "kdf.name"},
      {"/kdf/opslimit", "kdf.opslimit"},
      {"/kdf/memlimit", "kdf.memlimit"},
      {"/kdf/salt", "kdf.salt"},
      {"/cipher", "cipher"},
      {"/cipher/name", "cipher.name"},
      {"/cipher/nonce", "cipher.nonce"},
      {"/cipher/ciphertext", "cipher.ciphertext"},
  };
  json doc = json::parse(validator_keystore());
  for (const auto& [pointer, name] : fields) {
    json t = doc;
    json::json_pointer ptr(pointer);
    t[ptr.parent_pointer()].erase(ptr.back());
    auto r = keystore_decrypt(t.dump(), password);
    ASSERT_FALSE(r.ok()) << pointer;
    EXPECT_EQ(r.error().reason, Reject::bad_keystore) << pointer;
    EXPECT_NE(r.error().detail.find("\"" + name + "\""), std::string::npos) << r.error().detail;
  }
}

TEST(Keystore, WrongTypesAndBadValuesAreBadKeystore) {
  const std::vector<std::pair<std::string, json>> edits = {
      {"/version", "1"},
      {"/version", 1.0},
      {"/version", -1},
      {"/version", 0},
      {"/kind", "ios-wallet"},
      {"/kind", 1},
      {"/type", "miner"},
      {"/type", json::array()},
      {"/insecure", "false"},
      {"/insecure", 0},
      {"/public_keys", "x"},
      {"/public_keys/signing", 5},
      {"/public_keys/signing", "abc"},                 // odd length
      {"/public_keys/signing", std::string(64, 'g')},  // not hex
      {"/public_keys/signing", std::string(62, 'a')},  // 31 bytes
      {"/public_keys/vrf", std::string(66, 'a')},      // 33 bytes
      {"/public_keys/pvss", std::string(64, 'f')},     // not a point
      {"/proof_of_possession", json::array()},
      {"/proof_of_possession/epoch", "7"},
      {"/proof_of_possession/epoch", -7},
      {"/proof_of_possession/signature", nullptr},
      {"/kdf", nullptr},
      {"/kdf/name", "scrypt"},
      {"/kdf/opslimit", "2"},
      {"/kdf/opslimit", 2.5},
      {"/kdf/memlimit", -8192},
      {"/kdf/salt", std::string(30, '0')},
      {"/cipher", 1},
      {"/cipher/name", "aes-256-gcm"},
      {"/cipher/nonce", std::string(46, '0')},
      {"/cipher/ciphertext", std::string(94, '0')},
  };
  json doc = json::parse(validator_keystore());
  for (const auto& [pointer, value] : edits) {
    json t = doc;
    t[json::json_pointer(pointer)] = value;
    auto r = keystore_decrypt(t.dump(), password);
    ASSERT_FALSE(r.ok()) << pointer << " = " << value.dump();
    EXPECT_EQ(r.error().reason, Reject::bad_keystore)
        << pointer << " = " << value.dump() << ": " << r.error().message();
  }
  // An account keystore must not carry validator-only fields.
  json a = json::parse(account_keystore());
  json t = a;
  t["public_keys"]["vrf"] = doc["public_keys"]["vrf"];
  EXPECT_EQ(keystore_read_public(t.dump()).error().reason, Reject::bad_keystore);
  t = a;
  t["proof_of_possession"] = doc["proof_of_possession"];
  EXPECT_EQ(keystore_read_public(t.dump()).error().reason, Reject::bad_keystore);
}

TEST(Keystore, NewerVersionIsRefusedClearly) {
  json doc = json::parse(validator_keystore());
  doc["version"] = 2;
  for (const std::string& text : {doc.dump(), std::string(R"({"version":2,"something":"else"})")}) {
    auto r = keystore_decrypt(text, password);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().reason, Reject::unsupported_keystore_version);
    EXPECT_EQ(r.error().detail, "keystore version 2 is newer than this ios supports (1)");
    EXPECT_EQ(keystore_read_public(text).error().reason, Reject::unsupported_keystore_version);
  }
}

// Limits are checked before Argon2id runs: had it run with 100 GB it would have failed with
// io_error (allocation) or thrashed the machine, not returned bad_keystore in microseconds.
TEST(Keystore, AbsurdKdfLimitsAreRefusedBeforeDerivation) {
  const std::vector<std::pair<std::string, std::uint64_t>> edits = {
      {"memlimit", 100ull << 30}, {"memlimit", (1ull << 30) + 1}, {"memlimit", ~0ull}, {"memlimit", 1024},
      {"opslimit", 65},           {"opslimit", 1ull << 40},       {"opslimit", 0},
  };
  json doc = json::parse(validator_keystore());
  for (const auto& [field, value] : edits) {
    json t = doc;
    t["kdf"][field] = value;
    auto start = std::chrono::steady_clock::now();
    auto r = keystore_decrypt(t.dump(), password);
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(r.ok()) << field << " " << value;
    EXPECT_EQ(r.error().reason, Reject::bad_keystore) << field << " " << value;
    EXPECT_NE(r.error().detail.find("kdf." + field), std::string::npos) << r.error().detail;
    EXPECT_LT(elapsed, std::chrono::seconds(1));
  }
  // The limits themselves are accepted (the 1 GiB edge is not run: too slow for a unit test).
  json t = doc;
  t["kdf"]["memlimit"] = 1ull << 30;
  t["kdf"]["opslimit"] = 64;
  EXPECT_TRUE(keystore_read_public(t.dump()).ok());
}

TEST(Keystore, OversizedTextIsRefusedUnparsed) {
  json doc = json::parse(validator_keystore());
  doc["padding"] = std::string(keystore_bytes_max, ' ');
  auto r = keystore_read_public(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Reject::bad_keystore);
}

TEST(Keystore, UnknownExtraFieldsAreIgnored) {
  json doc = json::parse(validator_keystore());
  doc["comment"] = "my validator";
  auto r = keystore_decrypt(doc.dump(), password);
  EXPECT_TRUE(r.ok()) << r.error().message();
}

// ---- secret files ----

class SecretFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::path(::testing::TempDir()) / "ios-keystore-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(::mkdtemp(buf.data()), nullptr);
    dir_ = buf.data();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir_), {}));
  }
  static unsigned mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::filesystem::path dir_;
};

TEST_F(SecretFile, WrittenWithMode0600WhateverTheUmask) {
  mode_t old = ::umask(0);  // the most permissive umask: 0600 must still hold
  auto s = write_secret_file(path("key.json"), "secret", false);
  ::umask(old);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(mode_of(path("key.json")), 0600u);
  EXPECT_EQ(slurp(path("key.json")), "secret");
  EXPECT_EQ(entries(), 1u);  // no temporary file left behind
}

TEST_F(SecretFile, RefusesAnExistingFileWithoutOverwrite) {
  ASSERT_TRUE(write_secret_file(path("key.json"), "old", false).ok());
  auto s = write_secret_file(path("key.json"), "new", false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::io_error);
  EXPECT_EQ(s.error().detail.rfind("exists:", 0), 0u) << s.error().detail;
  EXPECT_EQ(slurp(path("key.json")), "old");
  EXPECT_EQ(entries(), 1u);
  // A dangling symlink counts as existing: we never write through it.
  std::filesystem::create_symlink(path("elsewhere"), path("link.json"));
  auto l = write_secret_file(path("link.json"), "new", false);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().detail.rfind("exists:", 0), 0u);
  EXPECT_FALSE(std::filesystem::exists(path("elsewhere")));
}

TEST_F(SecretFile, OverwriteReplacesAtomicallyAndTightensTheMode) {
  { std::ofstream(path("key.json")) << "old"; }
  ::chmod(path("key.json").c_str(), 0644);
  auto s = write_secret_file(path("key.json"), "new", true);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(slurp(path("key.json")), "new");
  EXPECT_EQ(mode_of(path("key.json")), 0600u);
  EXPECT_EQ(entries(), 1u);
}

TEST_F(SecretFile, FailureLeavesNothingAtPath) {
  auto s = write_secret_file(path("missing-dir/key.json"), "secret", false);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().reason, Reject::io_error);
  EXPECT_FALSE(std::filesystem::exists(path("missing-dir/key.json")));
  std::filesystem::create_directory(path("a-directory"));
  auto d = write_secret_file(path("a-directory"), "secret", true);  // rename onto a directory fails
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(std::filesystem::is_directory(path("a-directory")));
  EXPECT_EQ(entries(), 1u);  // the temporary file is gone
}

TEST_F(SecretFile, ReadTextFileLimitsAndErrors) {
  ASSERT_TRUE(write_secret_file(path("k.json"), "0123456789", false).ok());
  auto ok = read_text_file(path("k.json"), 10);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(*ok, "0123456789");
  auto big = read_text_file(path("k.json"), 9);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().reason, Reject::io_error);
  auto missing = read_text_file(path("nope.json"), 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().reason, Reject::io_error);
  EXPECT_EQ(missing.error().detail, "not found: " + path("nope.json"));
  auto dir = read_text_file(dir_.string(), 100);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().reason, Reject::io_error);
}

TEST_F(SecretFile, KeystoreEndToEnd) {
  Identity id = Identity::generate(KeyType::validator, 3);
  ASSERT_TRUE(
      write_secret_file(path("v.json"), keystore_encrypt(id, password, KdfParams::insecure(), false), false).ok());
  EXPECT_EQ(mode_of(path("v.json")), 0600u);
  auto text = read_text_file(path("v.json"), keystore_bytes_max);
  ASSERT_TRUE(text.ok());
  auto back = keystore_decrypt(*text, password);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->public_identity(), id.public_identity());
}
