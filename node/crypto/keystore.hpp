#pragma once
// Encrypted keystore files (docs/DESIGN.md §3; docs/CLI.md "Secrets" and "Files"), format version 1:
//
//   {"version":1,"kind":"ios-keystore","type":"validator","insecure":false,
//    "public_keys":{"signing":hex,"vrf":hex,"pvss":hex},
//    "proof_of_possession":{"epoch":0,"signature":hex},
//    "kdf":{"name":"argon2id13","opslimit":N,"memlimit":N,"salt":hex},
//    "cipher":{"name":"xchacha20poly1305-ietf","nonce":hex,"ciphertext":hex}}
//
// Accounts have only public_keys.signing and no proof_of_possession.
//
// The only secret is the 32-byte master seed (identity.hpp). It is encrypted with
// XChaCha20-Poly1305-IETF under a key from Argon2id (parameters and salt in the file). The
// associated data is the canonical encoding (encoding.hpp) of every public field, so editing
// any of them — swapping in another public key, flipping "insecure", lowering the KDF cost —
// makes decryption fail. A wrong password and a tampered file are therefore indistinguishable:
// both are Reject::wrong_password with the detail "wrong password or tampered keystore".
// After decrypting, the identity is re-derived from the seed and must match the file.
//
// Nothing in the file is trusted before decryption: keystore_read_public checks structure,
// points and the PoP, but anyone who can write the file can replace it wholesale with another
// identity's keystore. Only a successful keystore_decrypt ties the public keys to the secret.
//
// Attacker-supplied KDF parameters are bounded before anything is allocated: opslimit in
// [1, 64], memlimit in [8 KiB, 1 GiB]. Integers are JSON numbers (all are far below 2^53).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/core/result.hpp"
#include "node/crypto/identity.hpp"

namespace ios::crypto {

inline constexpr std::uint32_t keystore_version = 1;
// A version-1 keystore is under 1 KiB; refuse to parse anything much larger.
inline constexpr std::size_t keystore_bytes_max = std::size_t{64} * 1024;
inline constexpr std::uint64_t keystore_opslimit_max = 64;
inline constexpr std::size_t keystore_memlimit_max = std::size_t{1} << 30;  // 1 GiB

struct KdfParams {
  std::uint64_t opslimit = 0;
  std::size_t memlimit = 0;  // bytes

  // libsodium's MODERATE (3 passes, 256 MiB): about 0.5 s per unlock on a current server
  // core. A key is unlocked once per node start or CLI signing command, so half a second is
  // affordable, and 256 MiB per guess makes GPU/ASIC password search costly. INTERACTIVE
  // (64 MiB) is 4x cheaper for an attacker in memory and ~7x in time.
  static KdfParams moderate();
  // The minimum libsodium allows (1 pass, 8 KiB): only for keystores written with
  // insecure = true (devnet and test keys, typically an empty password).
  static KdfParams insecure();

  bool operator==(const KdfParams&) const = default;
};

// The public, unauthenticated part of a keystore file.
struct KeystorePublic {
  PublicIdentity identity;
  bool insecure = false;  // an explicitly insecure dev key (docs/CLI.md: "says so in the file")
  KdfParams kdf;
};

// JSON text (pretty-printed, trailing newline). `params` must be within the bounds above
// (a caller bug otherwise: aborts). Throws std::bad_alloc if Argon2id cannot get its memory.
// The password is passed straight to libsodium and never copied.
std::string keystore_encrypt(const Identity& identity, std::string_view password, KdfParams params, bool insecure);

// No password needed. bad_keystore (the detail names the field) for malformed JSON, missing or
// wrongly typed fields, bad hex, invalid points, a PoP that does not verify or KDF parameters
// out of bounds; unsupported_keystore_version for a version newer than keystore_version.
core::Result<KeystorePublic> keystore_read_public(std::string_view json_text);

// Everything keystore_read_public rejects, plus wrong_password (wrong password or tampered
// file), bad_keystore if the decrypted seed does not give the file's public keys, and io_error
// if Argon2id cannot allocate its memory.
core::Result<Identity> keystore_decrypt(std::string_view json_text, std::string_view password);

}  // namespace ios::crypto
