// ios block show HEIGHT|latest (docs/CLI.md "Inspecting the chain"): a final block as a node
// stores it — header, the transactions it applied, what it excluded, and who signed its
// finality (the validator indexes of the commit round's CoSi mask).
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/tx_wallet.hpp"

namespace ios::cli {

namespace {

std::string block_text(const nlohmann::json& b) {
  std::ostringstream t;
  t << "height      " << b["height"] << "\nhash        " << b["hash"].get<std::string>() << "\nprev        "
    << b["prev"].get<std::string>() << "\nview        " << b["view"] << "\ntime_ms     " << b["time_ms"]
    << "\nshard       " << b["shard"] << "  epoch " << b["epoch"] << "  " << b["mode"].get<std::string>()
    << "\nleader      " << b["leader"].get<std::string>() << "\nsigners     ";
  std::string sep;
  for (const auto& i : b["commit_signers"]) {
    t << sep << i;
    sep = ",";
  }
  t << " (" << b["commit_signers"].size() << " validators)";
  for (const auto& o : b["optimistic_blocks"])
    t << "\noptimistic  producer " << o["producer"].get<std::string>().substr(0, 16) << "… seq " << o["seq"] << ", "
      << o["txs"] << " txs";
  t << "\ntxs         " << b["txs"];
  for (const auto& h : b["tx_hashes"]) t << "\n  " << h.get<std::string>();
  t << "\nexcluded    " << b["excluded"].size();
  for (const auto& h : b["excluded"]) t << "\n  " << h.get<std::string>();
  return t.str();
}

}  // namespace

void register_block(CLI::App& app, Globals& g) {
  auto* block = app.add_subcommand("block", "A final block: header, transactions, finality signers (show)");
  block->require_subcommand(1);
  auto which = std::make_shared<std::string>();
  auto shard = std::make_shared<std::optional<std::uint32_t>>();
  auto* show = block->add_subcommand("show", "A final block: header, transactions, finality signers");
  show->add_option("height", *which, "A height, or latest")->required();
  show->add_option("--shard", *shard, "Whose chain: each shard has its own (default: the first node's shard)");
  show->footer(
      "Exit 3 if the node has no block at that height yet; 2 if --rpc serves another shard than --shard.\n"
      "Examples:\n  ios block show latest\n  ios block show 12 --json | jq '.tx_hashes'\n"
      "  ios block show latest --shard 1");
  show->callback([which, shard, &g] {
    std::optional<std::uint64_t> height;
    if (*which != "latest") height = parse_uint_arg("HEIGHT", *which);
    const auto target = *shard ? find_shard_target(g, **shard, "--shard asks for") : find_target(g);
    if (*shard && **shard >= target.shards)
      throw Failure(Exit::usage, "--shard " + std::to_string(**shard) + ": the network has " +
                                     std::to_string(target.shards) + (target.shards == 1 ? " shard" : " shards"));
    rpc::RpcClient client(target.rpc_url);
    auto b = client.block(height);
    if (!b) fail_rpc(b.error(), height ? "block " + *which : "the latest block");
    b->erase("schema");
    const auto text = block_text(*b);
    emit(g, "ios.block.show.v1", std::move(*b), text);
  });
}

}  // namespace ios::cli
