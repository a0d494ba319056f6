#include "node/net/secret_frame.hpp"

#include <sodium.h>

#include "node/net/frame.hpp"

namespace ios::net {
namespace {

static_assert(seal_tag_bytes == crypto_aead_chacha20poly1305_ietf_ABYTES);

core::ByteArray<crypto_aead_chacha20poly1305_ietf_NPUBBYTES> nonce_of(std::uint64_t counter) {
  core::ByteArray<crypto_aead_chacha20poly1305_ietf_NPUBBYTES> n{};
  for (std::size_t i = 0; i < 8; ++i) n[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
  return n;
}

}  // namespace

core::Bytes FrameSealer::seal(core::ByteView plaintext) {
  // 2^64 frames never happen; wrapping would reuse a nonce, so it is our invariant.
  IOS_ASSERT(counter_ != UINT64_MAX);
  const auto header = encode_frame_header(plaintext.size() + seal_tag_bytes);
  const auto nonce = nonce_of(counter_++);
  core::Bytes out(plaintext.size() + seal_tag_bytes);
  unsigned long long len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &len, plaintext.data(), plaintext.size(), header.data(),
                                            header.size(), nullptr, nonce.data(), key_.data());
  IOS_ASSERT(len == out.size());
  return out;
}

core::Result<core::Bytes> FrameOpener::open(core::ByteView sealed) {
  if (sealed.size() < seal_tag_bytes)
    return core::reject(core::Reject::truncated, "sealed frame shorter than its tag");
  if (counter_ == UINT64_MAX) return core::reject(core::Reject::length_over_limit, "frame counter exhausted");
  const auto header = encode_frame_header(sealed.size());
  const auto nonce = nonce_of(counter_);
  core::Bytes out(sealed.size() - seal_tag_bytes);
  unsigned long long len = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, sealed.data(), sealed.size(),
                                                header.data(), header.size(), nonce.data(), key_.data()) != 0)
    return core::reject(core::Reject::bad_signature,
                        "frame " + std::to_string(counter_) + " does not open (forged, altered, replayed or reordered)");
  ++counter_;
  return out;
}

}  // namespace ios::net
