// RandHound in the simulator: real keys, real crypto, simulated network; faults from
// docs/PROTOCOLS.md §7.5 and the issue: silent servers, a bad dealer, a wrong decryptor (including
// the unbound-base forgery), an equivocating client, an aborting client, and a transcript with
// any single message altered. Every test prints its seed; `ios drp run --seed S` replays it.
#include <gtest/gtest.h>

#include <set>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/protocol/drp/verify.hpp"
#include "node/sim/drp_scenario.hpp"

using namespace ios;
using namespace ios::protocol::drp;
using sim::DrpRunOptions;
using sim::DrpSetup;

namespace {

DrpRunOptions options(std::uint32_t servers, std::uint32_t groups, std::uint64_t seed, std::uint32_t silent = 0) {
  DrpRunOptions o;
  o.servers = servers;
  o.groups = groups;
  o.seed = seed;
  o.silent = silent;
  o.timing.phase_timeout_ms = 500;
  std::cout << "[ seed ] " << seed << " (ios drp run --servers " << servers << " --groups " << groups << " --faulty "
            << silent << " --seed " << seed << ")\n";
  return o;
}

// Decodes a server's outgoing frame, lets `edit` change the message body, and re-signs it with
// the server's own key: a Byzantine server, not a network forger.
sim::ByzantineRewrite resign(const DrpSetup& setup, std::uint32_t server, MsgType type,
                             std::function<void(core::Bytes& body)> edit) {
  auto key = std::make_shared<crypto::SigningKey>(setup.server_identities[server].signing_key());
  auto session = setup.session;
  return [=](const protocol::Send& s) -> std::vector<protocol::Send> {
    if (s.payload.empty() || s.payload[0] != static_cast<std::uint8_t>(Frame::signed_msg)) return {s};
    auto m = decode_signed(core::ByteView(s.payload).subspan(1));
    if (!m || m->type != type) return {s};
    core::Bytes body = m->body;
    edit(body);
    return {protocol::Send{s.to, frame(sign(*key, session, type, m->sender, body))}};
  };
}

bool verifies(const Transcript& t) { return verify_transcript(t).verified.has_value(); }

}  // namespace

TEST(DrpSim, HonestRunOutputsAndVerifies) {
  crypto::init();
  for (auto [n, g] : {std::pair{16u, 1u}, std::pair{32u, 2u}}) {
    auto r = sim::run_drp(options(n, g, 11));
    ASSERT_TRUE(r.transcript) << r.failure.value_or("");
    auto v = verify_transcript(*r.transcript);
    ASSERT_TRUE(v.verified) << v.failure->message();
    EXPECT_EQ(v.verified->randomness, r.transcript->randomness);
    EXPECT_EQ(r.transcript->choice_signature.mask.count(), n);
    // The CoSi on the choice is a plain Ed25519 signature under the participants' key.
    auto json = to_json(*r.transcript);
    auto pk = core::from_hex_fixed<32>(json["choice_cosi"]["aggregate_public_key"].get<std::string>());
    auto sig = core::from_hex_fixed<64>(json["choice_cosi"]["signature"].get<std::string>());
    auto msg = core::from_hex(json["choice_cosi"]["message"].get<std::string>());
    ASSERT_TRUE(pk && sig && msg);
    EXPECT_EQ(crypto_sign_verify_detached(sig->data(), msg->data(), msg->size(), pk->data()), 0);
    // JSON round trip is exact.
    auto back = transcript_from_json(json);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(encode(*back), encode(*r.transcript));
  }
}

TEST(DrpSim, SameSeedSameRunOtherSeedOtherOutput) {
  crypto::init();
  auto a = sim::run_drp(options(16, 2, 5));
  auto b = sim::run_drp(options(16, 2, 5));
  auto c = sim::run_drp(options(16, 2, 6));
  ASSERT_TRUE(a.transcript && b.transcript && c.transcript);
  EXPECT_EQ(a.sim_transcript, b.sim_transcript);
  EXPECT_EQ(encode(*a.transcript), encode(*b.transcript));
  EXPECT_NE(a.transcript->randomness, c.transcript->randomness);
}

TEST(DrpSim, ToleratedSilentServersStillGiveOutput) {
  crypto::init();
  // Groups of 16 tolerate 5 silent members each: 10 of 32 silent in 2 groups.
  auto r = sim::run_drp(options(32, 2, 21, 10));
  ASSERT_TRUE(r.transcript) << r.failure.value_or("");
  EXPECT_TRUE(verifies(*r.transcript));
  EXPECT_EQ(r.transcript->choice_signature.mask.count(), 22u);
  // One more silent server than a group tolerates: no output, and the reason says why.
  auto over = sim::run_drp(options(32, 2, 21, 11));
  EXPECT_FALSE(over.transcript);
  ASSERT_TRUE(over.failure);
  EXPECT_NE(over.failure->find("threshold"), std::string::npos) << *over.failure;
}

TEST(DrpSim, DealerWithBadProofIsExcluded) {
  crypto::init();
  auto o = options(16, 1, 31);
  const std::uint32_t bad = 0;  // the lowest index: it would be chosen first if valid
  auto r = sim::run_drp(o, [&](sim::Simulator& s, const DrpSetup& setup) {
    s.set_byzantine(server_node(bad), resign(setup, bad, MsgType::r1, [](core::Bytes& body) {
      auto r1 = decode_r1(body);
      ASSERT_TRUE(r1.ok());
      r1->dealing.shares[2].encrypted = crypto::hash_to_point(core::as_bytes("not the share"));
      body = encode(*r1);
    }));
  });
  ASSERT_TRUE(r.transcript) << r.failure.value_or("");
  const auto& chosen = r.transcript->choice.dealers[0];
  EXPECT_EQ(std::count(chosen.begin(), chosen.end(), bad), 0);
  EXPECT_TRUE(verifies(*r.transcript));
}

TEST(DrpSim, WrongDecryptionsAreRejectedIncludingTheForgedBase) {
  crypto::init();
  auto o = options(16, 1, 41);
  const std::uint32_t liar = 3, forger = 4;
  std::uint32_t liar_seat = 0, forger_seat = 0;
  auto r = sim::run_drp(o, [&](sim::Simulator& s, const DrpSetup& setup) {
    liar_seat = seat_of(setup.groups, liar).index;
    forger_seat = seat_of(setup.groups, forger).index;
    // A wrong share with the honest proof left on it.
    s.set_byzantine(server_node(liar), resign(setup, liar, MsgType::r2, [](core::Bytes& body) {
      auto r2 = decode_r2(body);
      ASSERT_TRUE(r2.ok());
      auto& sh = r2->shares[0].share.share;
      sh = *crypto::point_add(sh, crypto::ristretto_base);
      body = encode(*r2);
    }));
    // docs/PROTOCOLS.md §5.3: a proof made the way a verifier that does not hash the base would
    // accept — c from (X, Y, VG, VH) only, S' solved afterwards.
    auto x = setup.server_identities[forger].pvss_scalar();
    auto X = setup.config.servers[forger].pvss;
    s.set_byzantine(server_node(forger), resign(setup, forger, MsgType::r2, [=](core::Bytes& body) {
      auto r2 = decode_r2(body);
      ASSERT_TRUE(r2.ok());
      for (auto& e : r2->shares) {
        // Y is the encrypted share: S·x for the honest S.
        auto Y = crypto::scalar_mult(x, e.share.share);
        ASSERT_TRUE(Y.has_value());
        auto v = crypto::hash_to_scalar(core::as_bytes("forger nonce"));
        auto VG = *crypto::scalar_mult_base(v);
        auto VH = crypto::hash_to_point(core::as_bytes("arbitrary VH"));
        auto c = crypto::hash_to_scalar(core::concat({X, *Y, VG, VH}));
        core::ByteArray<32> xs{};
        std::copy(x.data(), x.data() + 32, xs.begin());
        auto rr = crypto::scalar_sub(v, crypto::scalar_mul(c, xs));
        auto S = crypto::scalar_mult(*crypto::scalar_invert(rr), *crypto::point_sub(VH, *crypto::scalar_mult(c, *Y)));
        ASSERT_TRUE(S.has_value());
        e.share.share = *S;
        e.share.proof = {c, rr};
      }
      body = encode(*r2);
    }));
  });
  ASSERT_TRUE(r.transcript) << r.failure.value_or("");
  EXPECT_TRUE(verifies(*r.transcript));
  for (const auto& m : r.transcript->r2s) {
    EXPECT_NE(m.sender, server_node(liar));
    EXPECT_NE(m.sender, server_node(forger));
  }
  (void)liar_seat;
  (void)forger_seat;
}

TEST(DrpSim, EquivocatingClientIsCaughtByTheCosi) {
  crypto::init();
  auto o = options(16, 1, 51);
  auto r = sim::run_drp(o, [&](sim::Simulator& s, const DrpSetup& setup) {
    auto key = std::make_shared<crypto::SigningKey>(setup.client_identity->signing_key());
    auto session = setup.session;
    // Half of the servers are shown another choice: dealers 1..11 instead of the real one.
    s.set_byzantine(client_node, [=](const protocol::Send& send) -> std::vector<protocol::Send> {
      if (send.to % 2 == 0 || send.payload.empty() || send.payload[0] != static_cast<std::uint8_t>(Frame::signed_msg))
        return {send};
      auto m = decode_signed(core::ByteView(send.payload).subspan(1));
      if (!m || m->type != MsgType::announce) return {send};
      auto a = decode_announce(m->body, 16);
      a->choice.dealers[0] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
      a->choice.r1_hashes[0].assign(11, core::Hash32{});
      return {protocol::Send{send.to, frame(sign(*key, session, MsgType::announce, 0, encode(*a)))}};
    });
  });
  EXPECT_FALSE(r.transcript);
  ASSERT_TRUE(r.failure);
  EXPECT_NE(r.failure->find("CoSi"), std::string::npos) << *r.failure;
  EXPECT_EQ(r.servers_decrypted, 0u);
}

TEST(DrpSim, AbortingClientGetsNothingAndNoServerDecrypts) {
  crypto::init();
  auto o = options(16, 2, 61);
  auto r = sim::run_drp(o, [&](sim::Simulator& s, const DrpSetup&) {
    // The client sees every R1 and then stops: it never announces a choice.
    s.set_byzantine(client_node, [](const protocol::Send& send) -> std::vector<protocol::Send> {
      auto m = decode_signed(core::ByteView(send.payload).subspan(1));
      if (m && m->type == MsgType::announce) return {};
      return {send};
    });
  });
  EXPECT_FALSE(r.transcript);
  EXPECT_EQ(r.servers_decrypted, 0u);
}

TEST(DrpSim, AnySingleAlteredMessageFailsVerificationAtItsStep) {
  crypto::init();
  auto r = sim::run_drp(options(16, 2, 71));
  ASSERT_TRUE(r.transcript);
  const Transcript good = *r.transcript;
  ASSERT_TRUE(verifies(good));
  auto expect_step = [&](const char* what, VerifyStep step, const std::function<void(Transcript&)>& edit) {
    Transcript t = good;
    edit(t);
    auto v = verify_transcript(t);
    ASSERT_FALSE(v.verified) << what;
    EXPECT_EQ(v.failure->step, step) << what << ": " << v.failure->message();
  };
  auto flip = [](core::Bytes& b) { b[b.size() / 2] ^= 1; };
  expect_step("a server's proof of possession", VerifyStep::config, [](Transcript& t) { t.config.servers[3].pop[7] ^= 1; });
  expect_step("config purpose", VerifyStep::i1, [](Transcript& t) { t.config.purpose += "!"; });
  expect_step("i1 signature", VerifyStep::i1, [](Transcript& t) { t.i1.sig[5] ^= 1; });
  for (std::size_t k = 0; k < good.r1s.size(); k += 5)
    expect_step("r1", VerifyStep::r1, [&](Transcript& t) { flip(t.r1s[k].body); });
  expect_step("choice", VerifyStep::choice, [](Transcript& t) { t.choice.r1_hashes[0][0][0] ^= 1; });
  expect_step("cosi r", VerifyStep::cosi, [](Transcript& t) { t.choice_signature.r[3] ^= 1; });
  expect_step("cosi mask", VerifyStep::cosi, [](Transcript& t) { t.choice_signature.mask.set(0, !t.choice_signature.mask.contains(0)); });
  for (std::size_t k = 0; k < good.i2s.size(); k += 5)
    expect_step("i2", VerifyStep::i2, [&](Transcript& t) { t.i2s[k].sig[0] ^= 1; });
  for (std::size_t k = 0; k < good.r2s.size(); k += 3)
    expect_step("r2", VerifyStep::r2, [&](Transcript& t) { flip(t.r2s[k].body); });
  expect_step("too few r2", VerifyStep::recovery, [](Transcript& t) { t.r2s.resize(t.r2s.size() / 2); });
  expect_step("output", VerifyStep::output, [](Transcript& t) { t.randomness[0] ^= 1; });
  expect_step("z", VerifyStep::output, [](Transcript& t) { t.z = crypto::ristretto_base; });
}

TEST(DrpSim, ServersRefuseAnI2WithoutTheServersSignOff) {
  crypto::init();
  auto o = options(8, 1, 81);
  std::string refusal;
  auto r = sim::run_drp(o, [&](sim::Simulator& s, const DrpSetup&) {
    // The client tampers with the collective signature it attaches to every I2.
    s.set_byzantine(client_node, [](const protocol::Send& send) -> std::vector<protocol::Send> {
      if (send.payload.empty() || send.payload[0] != static_cast<std::uint8_t>(Frame::i2_wire)) return {send};
      auto wire = decode_i2_wire(core::ByteView(send.payload).subspan(1), 8);
      if (!wire) return {send};
      wire->choice_signature.r[0] ^= 1;
      return {protocol::Send{send.to, frame(*wire)}};
    });
    s.add_invariant("record a refusal", [&refusal](const sim::Simulator& sim) -> std::optional<std::string> {
      for (const auto& d : sim.deliveries(server_node(0)))
        if (d.kind == "drp-refused") refusal.assign(d.value.begin(), d.value.end());
      return std::nullopt;
    });
  });
  EXPECT_FALSE(r.transcript);
  EXPECT_EQ(r.servers_decrypted, 0u);
  EXPECT_NE(refusal.find("collective signature"), std::string::npos) << refusal;
}
