#pragma once
// Sealed frames: AEAD on every frame after the Hello (docs/DESIGN.md §5; docs/security.md
// "Handshake relay").
// ChaCha20-Poly1305 (IETF) from libsodium, one key per direction from the handshake
// (handshake.hpp), a 96-bit nonce of 4 zero bytes ‖ u64 little-endian frame counter, and the
// frame's 4-byte length header as associated data. Pure: no sockets.
//
// Invariants:
//   - a nonce is never used twice under one key: the counter only grows, one per sealed frame,
//     and a key lives for one direction of one connection;
//   - a frame is opened only in the order it was sealed: the opener's counter must match.
// Attacks this stops: injection (no key, no valid tag), bit flips and truncation (tag),
// reordering, replay and deletion of frames inside a session (the counter is part of the
// nonce, so a frame out of place does not open), splicing frames from another session or the
// other direction (other keys), and a forged length (the header is authenticated). Any
// refusal closes the connection: a gap can not be resynchronised.
#include <cstddef>
#include <cstdint>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"
#include "node/crypto/secret.hpp"

namespace ios::net {

inline constexpr std::size_t seal_tag_bytes = 16;  // crypto_aead_chacha20poly1305_ietf_ABYTES

class FrameSealer {
 public:
  explicit FrameSealer(const crypto::Secret<32>& key) : key_(key) {}
  // The sealed payload (ciphertext ‖ tag) of a frame whose header encodes its size.
  core::Bytes seal(core::ByteView plaintext);
  std::uint64_t frames() const { return counter_; }

 private:
  crypto::Secret<32> key_;
  std::uint64_t counter_ = 0;
};

class FrameOpener {
 public:
  explicit FrameOpener(const crypto::Secret<32>& key) : key_(key) {}
  // The plaintext, or bad_signature (forged, altered, replayed or out of order).
  core::Result<core::Bytes> open(core::ByteView sealed);
  std::uint64_t frames() const { return counter_; }

 private:
  crypto::Secret<32> key_;
  std::uint64_t counter_ = 0;
};

}  // namespace ios::net
