#include "node/protocol/drp/session.hpp"

#include <algorithm>
#include <set>

#include "node/core/encoding.hpp"
#include "node/crypto/hash.hpp"
#include "node/crypto/random.hpp"

namespace ios::protocol::drp {

core::Bytes encode(const DrpConfig& c) {
  core::Writer w;
  w.u8(drp_version).raw(c.client).u32(static_cast<std::uint32_t>(c.servers.size()));
  for (const auto& s : c.servers) w.raw(s.signing).raw(s.pop).raw(s.pvss);
  w.u32(c.group_count).u64(c.pop_epoch).u64(c.timestamp).str(c.purpose).raw(c.client_randomness);
  return w.take();
}

core::Result<DrpConfig> decode_config(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(drp_version);
  DrpConfig c;
  c.client = r.fixed<32>();
  std::uint32_t n = r.count(servers_max);
  c.servers.resize(n);
  for (auto& s : c.servers) {
    s.signing = r.fixed<32>();
    s.pop = r.fixed<64>();
    s.pvss = r.fixed<32>();
  }
  c.group_count = r.u32();
  c.pop_epoch = r.u64();
  c.timestamp = r.u64();
  c.purpose = r.str(purpose_bytes_max);
  c.client_randomness = r.fixed<32>();
  if (auto s = r.finish(); !s) return s.error();
  return c;
}

std::uint32_t group_threshold(std::size_t group_size) {
  IOS_ASSERT(group_size > 0);
  return static_cast<std::uint32_t>(group_size - (group_size - 1) / 3);
}

core::Status validate(const DrpConfig& c) {
  using core::Reject;
  if (c.servers.empty()) return core::reject(Reject::bad_proof, "no servers");
  if (c.servers.size() > servers_max) return core::reject(Reject::length_over_limit, "too many servers");
  if (c.group_count == 0 || c.group_count > c.servers.size())
    return core::reject(Reject::bad_proof, "group count must be between 1 and the number of servers");
  if (c.purpose.size() > purpose_bytes_max) return core::reject(Reject::length_over_limit, "purpose too long");
  std::set<crypto::PublicKey> signing;
  std::set<crypto::RistrettoPoint> pvss;
  for (std::size_t i = 0; i < c.servers.size(); ++i) {
    const auto& s = c.servers[i];
    if (!signing.insert(s.signing).second || !pvss.insert(s.pvss).second)
      return core::reject(Reject::duplicate, "server " + std::to_string(i) + " repeats a key");
    if (!crypto::is_valid_nonidentity_point(s.pvss))
      return core::reject(Reject::bad_point, "server " + std::to_string(i) + ": PVSS key");
  }
  return core::Ok{};
}

core::Result<std::shared_ptr<const DrpRoster>> DrpRoster::admit(std::vector<ServerKeys> servers,
                                                                std::uint64_t pop_epoch,
                                                                core::ByteView pop_chain) {
  DrpConfig probe;
  probe.servers = servers;
  probe.pop_epoch = pop_epoch;
  if (auto s = validate(probe); !s) return s.error();
  auto roster = std::make_shared<DrpRoster>();
  std::vector<crypto::CosiKey> keys;
  for (const auto& k : servers) {
    auto key = crypto::CosiKey::admit(k.signing, pop_chain, pop_epoch, k.pop);
    if (!key) return key.error();
    keys.push_back(*key);
  }
  auto cosi = crypto::CosiRoster::create(std::move(keys));
  if (!cosi) return cosi.error();
  roster->cosi = std::move(*cosi);
  roster->servers = std::move(servers);
  roster->pop_epoch = pop_epoch;
  return std::shared_ptr<const DrpRoster>(std::move(roster));
}

bool matches(const DrpConfig& c, const DrpRoster& roster) {
  return c.pop_epoch == roster.pop_epoch && c.servers == roster.servers;
}

std::size_t choice_signers_min(const std::vector<Group>& groups) {
  std::size_t n = 0;
  for (const auto& g : groups) n += g.threshold;
  return n;
}

Seat seat_of(const std::vector<Group>& groups, std::uint32_t server) {
  for (std::uint32_t g = 0; g < groups.size(); ++g) {
    const auto& m = groups[g].members;
    auto it = std::lower_bound(m.begin(), m.end(), server);
    if (it != m.end() && *it == server) return {g, static_cast<std::uint32_t>(it - m.begin()) + 1};
  }
  IOS_ASSERT(false && "server is in no group");
  return {};
}

std::vector<crypto::RistrettoPoint> group_keys(const DrpConfig& c, const Group& g) {
  std::vector<crypto::RistrettoPoint> keys;
  for (auto m : g.members) keys.push_back(c.servers[m].pvss);
  return keys;
}

core::Hash32 session_id(const DrpConfig& c) {
  return crypto::sha256({core::as_bytes("IOS/v1/drp-session"), encode(c)});
}

std::vector<Group> grouping(const DrpConfig& c, const core::Hash32& session) {
  IOS_ASSERT(c.group_count >= 1);
  IOS_ASSERT(c.group_count <= c.servers.size());
  crypto::ChaChaRng rng("IOS/v1/drp-grouping", session);
  auto order = crypto::permutation(static_cast<std::uint32_t>(c.servers.size()), rng);
  std::vector<Group> groups(c.group_count);
  for (std::size_t k = 0; k < order.size(); ++k) groups[k % c.group_count].members.push_back(order[k]);
  for (auto& g : groups) {
    std::sort(g.members.begin(), g.members.end());
    g.threshold = group_threshold(g.members.size());
  }
  return groups;
}

}  // namespace ios::protocol::drp
