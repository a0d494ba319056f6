#pragma once
// A RandHound server (Syta et al. 2017 §IV; docs/PROTOCOLS.md §7), as a sans-I/O core.
//
// Safety claims, each checked in tests/sim/drp_*:
//  - it deals once per session, to its own group only, with the group's threshold;
//  - it co-signs at most ONE choice per session: a client that shows different choices to
//    different servers cannot collect a collective signature on either (equivocation);
//  - it decrypts its shares only after verifying the collective signature on the choice and
//    its own encrypted share's proof, so before the servers' sign-off nobody, the client
//    included, holds enough decrypted shares to learn any group secret (an aborting client
//    learns nothing it could retry on);
//  - its CoSi commitment is fresh per round and erased after one response (Drijvers et al.,
//    eprint 2018/417); a restarted round abandons the old one. Commitment secrets are never
//    persisted: after a crash the server simply does not answer that round.
#include <memory>
#include <optional>

#include "node/core/rng.hpp"
#include "node/crypto/cosi.hpp"
#include "node/protocol/core/core.hpp"
#include "node/protocol/drp/messages.hpp"

namespace ios::protocol::drp {

inline constexpr NodeId client_node = 0;
inline NodeId server_node(std::uint32_t server) { return server + 1; }

class DrpServer final : public Core {
 public:
  DrpServer(std::shared_ptr<const DrpRoster> roster, std::uint32_t index, const crypto::SigningKey& signing_key,
            crypto::Secret<32> pvss_secret, crypto::PublicKey client_key, core::Rng& rng);

  void on_start(TimeMs now_ms, Effects& out) override;
  void on_message(TimeMs now_ms, NodeId from, core::ByteView payload, Effects& out) override;
  void on_timer(TimeMs now_ms, TimerId id, Effects& out) override;

  // For tests: did this server ever send decrypted shares?
  bool decrypted() const { return decrypted_; }

 private:
  struct Session {
    DrpConfig config;
    core::Hash32 id{};
    std::vector<Group> groups;
    Seat seat;
    core::Hash32 i1_hash{};
  };

  void on_i1(const SignedMsg& m, Effects& out);
  void on_announce(const SignedMsg& m, Effects& out);
  void on_challenge(const SignedMsg& m, Effects& out);
  void on_i2(core::ByteView payload, Effects& out);
  core::Status decrypt_and_reply(const I2Wire& wire, Effects& out);
  void refuse(Effects& out, const core::Error& e);

  std::shared_ptr<const DrpRoster> roster_;
  std::uint32_t index_;
  crypto::SigningKey key_;
  crypto::Secret<32> pvss_secret_;
  crypto::PublicKey client_key_;
  core::Rng& rng_;
  std::unique_ptr<crypto::CosiSigner> cosi_;

  std::optional<Session> session_;
  std::optional<core::Hash32> choice_hash_;  // the one choice this server will ever co-sign
  std::optional<Choice> choice_;
  std::uint32_t round_ = 0;
  bool decrypted_ = false;
};

}  // namespace ios::protocol::drp
