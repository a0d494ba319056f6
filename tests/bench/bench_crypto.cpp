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
#include "node/net/handshake.hpp"
#include "node/net/secret_frame.hpp"

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

  // The peer channel (node/net): one whole handshake, both sides (two key exchanges, two
  // signatures, two verifications), and sealing plus opening one frame.
  auto a_key = std::make_shared<const crypto::SigningKey>(signer);
  auto b_identity = crypto::Identity::generate(crypto::KeyType::validator);
  auto b_key = std::make_shared<const crypto::SigningKey>(b_identity.signing_key());
  auto roster = std::make_shared<const net::Roster>(net::make_roster({{1, a_key->public_key()}, {2, b_key->public_key()}}));
  const core::Bytes chain{'b', 'e', 'n', 'c', 'h'};
  net::EphemeralSeed seed_a{}, seed_b{};
  std::uint8_t round = 0;
  double handshake_s = seconds_per_op(5, 300, [&] {
    seed_a[0] = ++round;
    seed_b[1] = round;
    net::Handshake a(1, a_key, chain, roster, seed_a, 2), b(2, b_key, chain, roster, seed_b);
    auto pa = a.on_hello(b.hello());
    auto pb = b.on_hello(a.hello());
    sink = pa && pb && a.on_proof(*pb).ok() && b.on_proof(*pa).ok();
  });
  net::Handshake ka(1, a_key, chain, roster, seed_a, 2), kb(2, b_key, chain, roster, seed_b);
  (void)ka.on_hello(kb.hello());
  auto frame_us = [&](std::size_t bytes) {
    net::FrameSealer out(ka.keys().tx);
    net::FrameOpener in(ka.keys().tx);
    core::Bytes payload(bytes, 0x5a);
    const int n = bytes > 10000 ? 2000 : 50000;
    return std::round(seconds_per_op(5, n, [&] { sink = in.open(out.seal(payload)).ok(); }) * 1e8) / 100;
  };

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
      {"net_handshake_both_sides_us", std::round(handshake_s * 1e8) / 100},
      {"net_seal_open_frame_us", {{"200_bytes", frame_us(200)}, {"4_kib", frame_us(4096)}, {"64_kib", frame_us(65536)}}},
      {"keystore_unlock_s", std::round(unlock_s * 1000) / 1000},
      {"keystore_kdf", {{"opslimit", kdf.opslimit}, {"memlimit_bytes", kdf.memlimit}}},
  };
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}
