// Fuzz target: ByzCoin wire messages (node/protocol/byzcoin/messages) and the engine's
// classification of peer input. Any byte string must decode to a message that re-encodes to
// exactly the input (one value, one encoding) or be refused with a typed reason; and a member's
// engine fed the bytes from a peer must never crash (docs/STYLE.md rule 2: Byzantine input is data).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/byzcoin/engine.hpp"

namespace {

// The chain the test keys' proofs of possession are bound to.
const ios::core::ByteView test_chain = ios::core::as_bytes("ios-test-chain");

using namespace ios;
using namespace ios::protocol::byzcoin;

class NullApp final : public ByzcoinApp {
 public:
  std::optional<core::Bytes> propose(std::uint64_t, const core::Hash32&, protocol::TimeMs) override {
    return core::Bytes{};
  }
  core::Status validate(std::uint64_t, const core::Hash32&, core::ByteView) override { return core::Ok{}; }
  void on_final(const chain::FinalizedBlock&, protocol::Effects&) override {}
};

struct Fixture {
  std::vector<std::shared_ptr<const crypto::SigningKey>> keys;
  std::shared_ptr<const crypto::CosiRoster> roster;
  Fixture() {
    crypto::init();
    crypto::ChaChaRng rng("IOS/fuzz/byzcoin", 1);
    std::vector<crypto::CosiKey> cosi;
    for (int i = 0; i < 4; ++i) {
      crypto::Seed s;
      rng.fill({s.data(), s.size()});
      keys.push_back(std::make_shared<const crypto::SigningKey>(s));
      cosi.push_back(*crypto::CosiKey::admit(keys.back()->public_key(), test_chain, 0,
                                             crypto::make_pop(*keys.back(), test_chain, 0)));
    }
    roster = std::make_shared<const crypto::CosiRoster>(*crypto::CosiRoster::create(std::move(cosi)));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  core::ByteView in(data, size);
  for (std::size_t roster_size : {std::size_t{4}, std::size_t{7}}) {
    auto m = decode_message(in, roster_size);
    if (m.ok() && encode(*m) != core::Bytes(in.begin(), in.end())) std::abort();
  }
  ByzcoinConfig config;
  config.domain = {'f', 'u', 'z', 'z'};
  config.roster = fixture.roster;
  config.members = {0, 1, 2, 3};
  config.observers = {4};
  config.self = 2;
  config.signing_key = fixture.keys[2];
  NullApp app;
  crypto::CosiSigner signer(*fixture.keys[2]);
  crypto::ChaChaRng rng("IOS/fuzz/byzcoin/engine", 2);
  ByzcoinEngine engine(config, app, &signer, rng, {});
  protocol::Effects out;
  engine.on_start(0, out);
  const protocol::NodeId from = size > 0 ? data[size - 1] % 6 : 0;  // members, the observer, a stranger
  engine.on_message(1, from, in, out);
  engine.on_message(2, 0, in, out);
  return 0;
}
