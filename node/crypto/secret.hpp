#pragma once
// Secret bytes live in libsodium's guarded, mlock'ed memory and are wiped (sodium_memzero via
// sodium_free) when they go out of scope, so a key never lingers in freed heap or swap.
// Comparison of secrets is constant-time (sodium_memcmp) to stop timing side channels.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::crypto {

template <std::size_t N>
class Secret {
 public:
  Secret() : p_(static_cast<std::uint8_t*>(sodium_malloc(N))) {
    if (p_ == nullptr) throw std::bad_alloc();
    sodium_memzero(p_, N);
  }
  explicit Secret(core::ByteView bytes) : Secret() {
    IOS_ASSERT(bytes.size() == N);
    std::copy(bytes.begin(), bytes.end(), p_);
  }
  ~Secret() {
    if (p_ != nullptr) sodium_free(p_);  // sodium_free zeroes before releasing
  }
  Secret(const Secret& other) : Secret(other.view()) {}
  Secret& operator=(const Secret& other) {
    if (this != &other) std::copy(other.p_, other.p_ + N, p_);
    return *this;
  }
  Secret(Secret&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Secret& operator=(Secret&& other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }

  static constexpr std::size_t size() { return N; }
  std::uint8_t* data() { return p_; }
  const std::uint8_t* data() const { return p_; }
  core::ByteView view() const { return {p_, N}; }

  bool equals(const Secret& other) const { return sodium_memcmp(p_, other.p_, N) == 0; }

 private:
  std::uint8_t* p_;
};

}  // namespace ios::crypto
