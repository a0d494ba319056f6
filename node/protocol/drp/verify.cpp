#include "node/protocol/drp/verify.hpp"

#include <map>
#include <set>

#include "node/crypto/hash.hpp"

namespace ios::protocol::drp {

std::string_view to_string(VerifyStep step) {
  switch (step) {
    case VerifyStep::config: return "config";
    case VerifyStep::i1: return "i1";
    case VerifyStep::r1: return "r1";
    case VerifyStep::choice: return "choice";
    case VerifyStep::cosi: return "cosi";
    case VerifyStep::i2: return "i2";
    case VerifyStep::r2: return "r2";
    case VerifyStep::recovery: return "recovery";
    case VerifyStep::output: return "output";
  }
  return "unknown";
}

std::string VerifyFailure::message() const { return std::string(to_string(step)) + ": " + error.message(); }

namespace {

VerifyOutcome failed(VerifyStep step, core::Reject reason, std::string detail) {
  return {std::nullopt, VerifyFailure{step, core::Error{reason, std::move(detail)}}};
}
VerifyOutcome failed(VerifyStep step, const core::Error& e) { return {std::nullopt, VerifyFailure{step, e}}; }

}  // namespace

VerifyOutcome verify_transcript(const Transcript& t, core::ByteView pop_chain) {
  using core::Reject;
  // 1. Configuration, session id and grouping: recomputed, never read from the transcript.
  if (auto ok = validate(t.config); !ok) return failed(VerifyStep::config, ok.error());
  auto roster = DrpRoster::admit(t.config.servers, t.config.pop_epoch, pop_chain);
  if (!roster) return failed(VerifyStep::config, roster.error());
  const auto session = session_id(t.config);
  const auto groups = grouping(t.config, session);
  const auto& servers = t.config.servers;

  // 2. I1: the client's signature over exactly this configuration.
  if (t.i1.type != MsgType::i1 || t.i1.sender != 0 || t.i1.body != encode(t.config) || !verify(t.config.client, session, t.i1))
    return failed(VerifyStep::i1, Reject::bad_signature, "I1 is not the client's signed configuration");
  const auto i1_hash = hash(t.i1);

  // 3. The chosen dealers' R1s: signed, bound to I1, one per chosen dealer, in choice order.
  if (auto ok = check_choice(t.choice, groups); !ok) return failed(VerifyStep::choice, ok.error());
  std::map<std::uint32_t, crypto::PvssDealing> dealings;
  {
    std::size_t k = 0;
    for (std::uint32_t g = 0; g < groups.size(); ++g) {
      for (std::size_t i = 0; i < t.choice.dealers[g].size(); ++i, ++k) {
        const std::uint32_t dealer = t.choice.dealers[g][i];
        if (k >= t.r1s.size()) return failed(VerifyStep::r1, Reject::truncated, "R1 of dealer " + std::to_string(dealer) + " missing");
        const SignedMsg& m = t.r1s[k];
        if (m.type != MsgType::r1 || m.sender != dealer + 1 || !verify(servers[dealer].signing, session, m))
          return failed(VerifyStep::r1, Reject::bad_signature, "R1 of dealer " + std::to_string(dealer));
        auto body = decode_r1(m.body);
        if (!body) return failed(VerifyStep::r1, body.error());
        if (body->server != dealer || body->i1_hash != i1_hash)
          return failed(VerifyStep::r1, Reject::bad_proof, "R1 of dealer " + std::to_string(dealer) + " is not bound to I1");
        // 4. The choice fixes exactly these dealings, and each verifies.
        if (hash(m) != t.choice.r1_hashes[g][i])
          return failed(VerifyStep::choice, Reject::bad_proof, "dealer " + std::to_string(dealer) + ": R1 is not the chosen one");
        if (auto ok = crypto::pvss_verify_dealing(dealing_session(session, dealer), group_keys(t.config, groups[g]),
                                                  groups[g].threshold, body->dealing);
            !ok)
          return failed(VerifyStep::choice, ok.error().reason, "dealer " + std::to_string(dealer) + ": " + ok.error().detail);
        dealings.emplace(dealer, std::move(body->dealing));
      }
    }
    if (k != t.r1s.size()) return failed(VerifyStep::r1, Reject::trailing_bytes, "R1s beyond the chosen dealers");
  }

  // 5. The servers' collective signature on the choice (plain Ed25519 under A_M).
  const auto message = choice_message(session, t.choice);
  if (auto ok = crypto::cosi_verify((*roster)->cosi, message, t.choice_signature, choice_signers_min(groups)); !ok)
    return failed(VerifyStep::cosi, ok.error());
  const auto choice_hash = crypto::sha256(message);

  // 6. I2s: the client's signature, one per server at most, naming this choice.
  std::map<std::uint32_t, core::Hash32> i2_hash;
  for (const auto& m : t.i2s) {
    auto body = decode_i2(m.body);
    if (m.type != MsgType::i2 || m.sender != 0 || !body || !verify(t.config.client, session, m))
      return failed(VerifyStep::i2, Reject::bad_signature, "I2");
    if (body->server >= servers.size() || body->choice_hash != choice_hash)
      return failed(VerifyStep::i2, Reject::bad_proof, "I2 for server " + std::to_string(body->server) + " names another choice");
    if (!i2_hash.emplace(body->server, hash(m)).second)
      return failed(VerifyStep::i2, Reject::duplicate, "two I2s for server " + std::to_string(body->server));
  }

  // 7. R2s: signed, bound to that server's I2, every decryption proof valid.
  std::map<std::uint32_t, std::vector<crypto::PvssDecryptedShare>> shares;
  std::set<std::uint32_t> answered;
  for (const auto& m : t.r2s) {
    auto body = decode_r2(m.body);
    if (m.type != MsgType::r2 || !body || m.sender != body->server + 1 || body->server >= servers.size() ||
        !verify(servers[body->server].signing, session, m))
      return failed(VerifyStep::r2, Reject::bad_signature, "R2");
    const std::uint32_t server = body->server;
    auto it = i2_hash.find(server);
    if (it == i2_hash.end() || it->second != body->i2_hash)
      return failed(VerifyStep::r2, Reject::bad_proof, "R2 of server " + std::to_string(server) + " answers no I2 here");
    if (!answered.insert(server).second) return failed(VerifyStep::r2, Reject::duplicate, "two R2s from server " + std::to_string(server));
    const Seat seat = seat_of(groups, server);
    const auto& dealers = t.choice.dealers[seat.group];
    if (body->shares.size() != dealers.size())
      return failed(VerifyStep::r2, Reject::bad_proof, "R2 of server " + std::to_string(server) + " has the wrong number of shares");
    for (std::size_t k = 0; k < dealers.size(); ++k) {
      const auto& e = body->shares[k];
      if (e.dealer != dealers[k] || e.share.index != seat.index)
        return failed(VerifyStep::r2, Reject::bad_proof, "R2 of server " + std::to_string(server) + ": share order");
      const auto& y = dealings.at(e.dealer).shares[seat.index - 1].encrypted;
      if (auto ok = crypto::pvss_verify_decrypted_share(dealing_session(session, e.dealer), servers[server].pvss, y, e.share); !ok)
        return failed(VerifyStep::r2, ok.error().reason,
                      "server " + std::to_string(server) + ", dealer " + std::to_string(e.dealer) + ": " + ok.error().detail);
      shares[e.dealer].push_back(e.share);
    }
  }

  // 8. Recover every chosen secret and recompute Z.
  crypto::RistrettoPoint z = crypto::ristretto_identity;
  for (std::uint32_t g = 0; g < groups.size(); ++g) {
    for (auto d : t.choice.dealers[g]) {
      auto secret = crypto::pvss_recover(shares[d], groups[g].threshold);
      if (!secret) return failed(VerifyStep::recovery, secret.error().reason, "dealer " + std::to_string(d) + ": " + secret.error().detail);
      z = *crypto::point_add(z, *secret);
    }
  }

  // 9. The claimed output.
  const auto randomness = output_randomness(session, z);
  if (z != t.z || randomness != t.randomness)
    return failed(VerifyStep::output, Reject::bad_proof, "the output does not follow from the recovered secrets");
  return {Verified{session, randomness, dealings.size(), t.r2s.size()}, std::nullopt};
}

}  // namespace ios::protocol::drp
