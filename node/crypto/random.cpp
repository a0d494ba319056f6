#include "node/crypto/random.hpp"

#include <sodium.h>

#include <numeric>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"

namespace ios::crypto {

void SystemRng::fill(std::span<std::uint8_t> out) { randombytes_buf(out.data(), out.size()); }

ChaChaRng::ChaChaRng(std::string_view tag, core::ByteView seed) : key_(sha256({core::as_bytes(tag), seed})) {}

ChaChaRng::ChaChaRng(std::string_view tag, std::uint64_t seed) {
  core::Writer w;
  w.u64(seed);
  key_ = sha256({core::as_bytes(tag), w.view()});
}

void ChaChaRng::fill(std::span<std::uint8_t> out) {
  for (auto& byte : out) {
    if (used_ == buffer_.size()) {
      // Block i of the keystream: ChaCha20 with nonce = i, 64 bytes at a time.
      core::ByteArray<crypto_stream_chacha20_NONCEBYTES> nonce{};
      for (std::size_t k = 0; k < nonce.size(); ++k) nonce[k] = static_cast<std::uint8_t>(block_ >> (8 * k));
      crypto_stream_chacha20(buffer_.data(), buffer_.size(), nonce.data(), key_.data());
      ++block_;
      used_ = 0;
    }
    byte = buffer_[used_++];
  }
}

std::vector<std::uint32_t> permutation(std::uint32_t n, core::Rng& rng) {
  std::vector<std::uint32_t> p(n);
  std::iota(p.begin(), p.end(), 0u);
  for (std::uint32_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng.uniform(i)]);
  return p;
}

}  // namespace ios::crypto
