// Crypto benchmark: prints one JSON document (schema ios.bench.crypto.v1) with operations per
// second for Ed25519 and the ECVRF, the Merkle root of 100,000 leaves and the keystore unlock
// time with the default KDF parameters. Each figure is the best of several rounds, single
// thread. Speed goals are checked by reading this output, never by timed tests.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <nlohmann/json.hpp>

#include "node/crypto/ed25519.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/identity.hpp"
#include "node/crypto/keystore.hpp"
#include "node/crypto/merkle.hpp"
#include "node/crypto/vrf.hpp"

using namespace ios;
using clock_type = std::chrono::steady_clock;

namespace {

// Seconds for one call of `op`, the best of `rounds` batches of `n` calls.
double seconds_per_op(int rounds, int n, const std::function<void()>& op) {
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = clock_type::now();
    for (int i = 0; i < n; ++i) op();
    std::chrono::duration<double> dt = clock_type::now() - t0;
    best = std::min(best, dt.count() / n);
  }
  return best;
}

nlohmann::json machine() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, cpu = "unknown";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  return {{"cpu", cpu}, {"cores", std::thread::hardware_concurrency()}};
}

}  // namespace

int main() {
  crypto::init();
  auto identity = crypto::Identity::generate(crypto::KeyType::validator);
  auto signer = identity.signing_key();
  crypto::VrfSecretKey vrf(identity.vrf_seed());
  core::Bytes msg(100, 0x42);
  auto sig = signer.sign(msg);
  auto pi = vrf.prove(msg);
  volatile bool sink = false;

  double sign_s = seconds_per_op(5, 2000, [&] { sig = signer.sign(msg); });
  double verify_s = seconds_per_op(5, 2000, [&] { sink = crypto::verify(signer.public_key(), msg, sig); });
  double prove_s = seconds_per_op(5, 500, [&] { pi = vrf.prove(msg); });
  double vrf_verify_s =
      seconds_per_op(5, 500, [&] { sink = crypto::vrf_verify(vrf.public_key(), pi, msg).ok(); });

  std::vector<core::Hash32> leaves(100000);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    std::uint8_t b[8];
    for (int k = 0; k < 8; ++k) b[k] = static_cast<std::uint8_t>(i >> (8 * k));
    leaves[i] = crypto::merkle::leaf_hash(core::ByteView(b, 8));
  }
  core::Hash32 root{};
  double merkle_s = seconds_per_op(5, 1, [&] { root = crypto::merkle::root(leaves); });

  auto keystore = crypto::keystore_encrypt(identity, "benchmark password", crypto::KdfParams::moderate(), false);
  double unlock_s = seconds_per_op(3, 1, [&] { sink = crypto::keystore_decrypt(keystore, "benchmark password").ok(); });
  (void)sink;

  auto kdf = crypto::KdfParams::moderate();
  nlohmann::json doc{
      {"schema", "ios.bench.crypto.v1"},
      {"machine", machine()},
      {"threads", 1},
      {"ed25519_sign_per_s", std::lround(1 / sign_s)},
      {"ed25519_verify_per_s", std::lround(1 / verify_s)},
      {"vrf_prove_per_s", std::lround(1 / prove_s)},
      {"vrf_verify_per_s", std::lround(1 / vrf_verify_s)},
      {"vrf_verify_cost_in_ed25519_verifies", std::round(vrf_verify_s / verify_s * 100) / 100},
      {"merkle_root_100k_leaves_ms", std::round(merkle_s * 1e5) / 100},
      {"keystore_unlock_s", std::round(unlock_s * 1000) / 1000},
      {"keystore_kdf", {{"opslimit", kdf.opslimit}, {"memlimit_bytes", kdf.memlimit}}},
  };
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}
