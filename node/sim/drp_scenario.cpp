#include "node/sim/drp_scenario.hpp"

#include <algorithm>

#include "node/core/encoding.hpp"
#include "node/crypto/random.hpp"
#include "node/sim/cpu_metered.hpp"
#include "node/sim/sim_keys.hpp"

namespace ios::sim {

namespace {

using namespace protocol::drp;

std::vector<std::uint32_t> pick_silent(const std::vector<Group>& groups, std::uint32_t count) {
  std::vector<std::uint32_t> silent;
  std::vector<std::size_t> taken(groups.size(), 0);
  // Spread over groups, at most f = size − threshold per group while any group has room.
  for (bool within = true; silent.size() < count;) {
    bool progressed = false;
    for (std::size_t g = 0; g < groups.size() && silent.size() < count; ++g) {
      const auto& m = groups[g].members;
      const std::size_t f = m.size() - groups[g].threshold;
      if (taken[g] >= m.size() || (within && taken[g] >= f)) continue;
      silent.push_back(m[m.size() - 1 - taken[g]++]);
      progressed = true;
    }
    if (!progressed) {
      if (!within) break;
      within = false;
    }
  }
  std::sort(silent.begin(), silent.end());
  return silent;
}

}  // namespace

DrpSetup make_drp_setup(const DrpRunOptions& o) {
  IOS_ASSERT(o.servers >= 1);
  IOS_ASSERT(o.groups >= 1);
  IOS_ASSERT(o.groups <= o.servers);
  DrpSetup s;
  crypto::ChaChaRng keys("IOS/v1/drp-sim-keys", o.seed);
  s.client_identity.emplace(identity_from(keys, crypto::KeyType::validator));
  std::vector<ServerKeys> servers;
  for (std::uint32_t i = 0; i < o.servers; ++i) {
    s.server_identities.push_back(identity_from(keys, crypto::KeyType::validator));
    const auto& pub = s.server_identities.back().public_identity();
    servers.push_back({pub.signing, pub.pop, pub.pvss});
  }
  auto roster = DrpRoster::admit(servers, 0);
  IOS_ASSERT(roster.ok());
  s.roster = *roster;
  s.config.client = s.client_identity->public_identity().signing;
  s.config.servers = servers;
  s.config.group_count = o.groups;
  s.config.timestamp = o.seed;
  s.config.purpose = "ios drp run";
  keys.fill(s.config.client_randomness);
  s.session = session_id(s.config);
  s.groups = grouping(s.config, s.session);
  s.silent = pick_silent(s.groups, o.silent);
  return s;
}

DrpRunResult run_drp(const DrpRunOptions& o, const std::function<void(Simulator&, const DrpSetup&)>& customize) {
  const DrpSetup setup = make_drp_setup(o);
  NetworkConfig net;
  net.link_default.latency = Latency::uniform_ms(o.latency_ms, std::max<TimeMs>(1, o.latency_ms / 5));
  Simulator sim(o.seed, net);
  DrpRunResult result;
  std::vector<double> server_cpu(o.servers, 0.0);

  const auto client_key = setup.client_identity->signing_key();
  sim.add_node([&](const SimNodeContext&) -> std::unique_ptr<protocol::Core> {
    return std::make_unique<CpuMetered>(std::make_unique<DrpClient>(setup.config, setup.roster, client_key, o.timing),
                                        result.client_cpu_s);
  });
  for (std::uint32_t i = 0; i < o.servers; ++i) {
    sim.add_node([&, i](const SimNodeContext& ctx) -> std::unique_ptr<protocol::Core> {
      const auto& id = setup.server_identities[i];
      return std::make_unique<CpuMetered>(std::make_unique<DrpServer>(setup.roster, i, id.signing_key(), id.pvss_scalar(),
                                                                      setup.config.client, ctx.rng),
                                          server_cpu[i]);
    });
  }
  for (auto s : setup.silent) sim.crash(server_node(s), 0);
  if (customize) customize(sim, setup);
  sim.start();
  const auto end = sim.run_until(
      [](const Simulator& s) { return !s.deliveries(client_node).empty(); },
      static_cast<TimeMs>(10 * o.timing.phase_timeout_ms + 60'000));

  const auto* client = dynamic_cast<const CpuMetered*>(sim.core(client_node));
  IOS_ASSERT(client != nullptr);
  const auto& drp = dynamic_cast<const DrpClient&>(client->inner());
  result.transcript = drp.transcript();
  if (drp.failure()) result.failure = drp.failure();
  else if (!result.transcript) result.failure = std::string("no output (simulation ended: ") + std::string(to_string(end)) +
                                                (sim.failure() ? ", " + sim.failure()->report() : std::string()) + ")";
  result.simulated_ms = sim.now_ms();
  for (double c : server_cpu) {
    result.servers_cpu_s += c;
    result.server_cpu_s_max = std::max(result.server_cpu_s_max, c);
  }
  result.messages = sim.stats().messages_sent;
  result.bytes = sim.stats().bytes_sent;
  for (std::uint32_t i = 0; i < o.servers; ++i) {
    const auto* metered = dynamic_cast<const CpuMetered*>(sim.core(server_node(i)));
    if (metered && dynamic_cast<const DrpServer&>(metered->inner()).decrypted()) ++result.servers_decrypted;
  }
  result.sim_transcript = sim.transcript_hash();
  return result;
}

}  // namespace ios::sim
