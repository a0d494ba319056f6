#pragma once
// Helpers shared by the unit tests: hex literals that fail the test when mistyped, and seeded
// randomness that prints its seed (IOS_TEST_SEED replays it).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/crypto/secret.hpp"

namespace ios::test {

template <std::size_t N>
core::ByteArray<N> hex(std::string_view s) {
  auto v = core::from_hex_fixed<N>(s);
  EXPECT_TRUE(v.has_value()) << s;
  return v.value_or(core::ByteArray<N>{});
}

inline core::Bytes hex_bytes(std::string_view s) {
  auto v = core::from_hex(s);
  EXPECT_TRUE(v.has_value()) << s;
  return v.value_or(core::Bytes{});
}

// SHA-256(u64 i): a distinct, fixed 32-byte value per i (epoch randomness, hashes).
inline core::Hash32 hash_of_index(std::uint64_t i) {
  core::Writer w;
  w.u64(i);
  return crypto::sha256(w.view());
}

inline std::uint64_t test_seed(std::uint64_t fallback) {
  const char* env = std::getenv("IOS_TEST_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : fallback;
}

// A ChaCha20 stream for the running test, its seed printed and recorded.
inline crypto::ChaChaRng seeded_rng(std::string_view tag, std::uint64_t fallback) {
  const std::uint64_t seed = test_seed(fallback);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("[ seed     ] %s.%s: IOS_TEST_SEED=%llu\n", info->test_suite_name(), info->name(),
              static_cast<unsigned long long>(seed));
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return crypto::ChaChaRng(tag, seed);
}

// A secret's bytes as a plain array, for tests that compute with it.
inline core::ByteArray<32> reveal(const crypto::Secret<32>& s) {
  core::ByteArray<32> out{};
  std::copy(s.data(), s.data() + 32, out.begin());
  return out;
}

}  // namespace ios::test
