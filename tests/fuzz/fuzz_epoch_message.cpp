// Fuzz target: the epoch protocol's peer input (node/protocol/epoch). Any byte string must
// decode to a record (or a signed record) that re-encodes to exactly the input, or be refused
// with a typed reason; and a validator's EpochCore fed the bytes from any peer — before and
// after its ticket window closes — must never crash (docs/STYLE.md rule 2: Byzantine input is
// data). The first input byte picks the sender (one past the roster included).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"
#include "node/protocol/epoch/epoch_core.hpp"

namespace {

using namespace ios;
using namespace ios::protocol::epoch;

constexpr std::uint32_t validators = 4;

struct Fixture {
  std::vector<crypto::Identity> identities;
  EpochContext context;
  Fixture() {
    crypto::init();
    crypto::ChaChaRng rng("IOS/fuzz/epoch", 1);
    auto g = std::make_shared<chain::Genesis>();
    g->chain_id = "ios-fuzz-epoch";
    g->policy.believable_size = 0;  // one league of 4: the smallest roster that forms epochs
    g->policy.believable_min = 1;
    for (std::uint32_t i = 0; i < validators; ++i) {
      crypto::Secret<32> seed;
      rng.fill({seed.data(), seed.size()});
      identities.push_back(crypto::Identity::from_master_seed(crypto::KeyType::validator, seed, 0));
      g->validators.push_back({identities.back().registration(g->chain_id_bytes()), 1000, 0, 0});
    }
    crypto::Secret<32> seed;
    rng.fill({seed.data(), seed.size()});
    auto account = crypto::Identity::from_master_seed(crypto::KeyType::account, seed, 0);
    g->allocations.push_back({chain::Address::from_public_key(account.public_identity().signing), 1000});
    if (!chain::validate(*g) || !check_genesis(*g)) std::abort();
    context = EpochContext::create(g, genesis_record(*g));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  core::ByteView in(data, size);
  if (auto r = decode_record(in, validators); r.ok() && encode(*r) != core::Bytes(in.begin(), in.end())) std::abort();
  if (auto s = decode_signed_record(in, validators); s.ok() && encode(*s) != core::Bytes(in.begin(), in.end()))
    std::abort();
  if (size == 0) return 0;
  const protocol::NodeId from = data[0] % (validators + 1);
  const auto payload = in.subspan(1);
  crypto::ChaChaRng rng("IOS/fuzz/epoch-core", 1);
  EpochCore core(fixture.context, 0, fixture.identities[0], rng, EpochTiming{});
  protocol::Effects out;
  core.on_start(0, out);
  core.on_message(1, from, payload, out);
  core.on_timer(600, 1, out);  // the ticket window closes: candidates, an attempt, DRP cores
  core.on_message(601, from, payload, out);
  core.on_timer(7000, 2, out);  // the attempt times out
  core.on_message(7001, from, payload, out);
  return 0;
}
