#include "cli/epoch_fetch.hpp"

#include "cli/args.hpp"
#include "cli/tx_wallet.hpp"
#include "node/rpc/client.hpp"

namespace ios::cli {

std::optional<std::uint64_t> parse_epoch_arg(const std::string& flag, const std::string& text) {
  if (text == "latest") return std::nullopt;
  const auto epoch = parse_uint_arg(flag, text);
  if (epoch == 0) throw Failure(Exit::usage, flag + ": records start at 1 (record 0 is the genesis)");
  return epoch;
}

nlohmann::json fetch_epoch_chain(const Globals& g, std::optional<std::uint64_t> epoch) {
  const std::string what = epoch ? "epoch record " + std::to_string(*epoch) : "the latest epoch record";
  const auto target = find_target(g);
  rpc::RpcClient client(target.rpc_url);
  auto doc = client.epoch_chain(epoch);
  if (!doc) fail_rpc(doc.error(), what);
  const auto malformed = [&](const std::string& why) {
    return Failure(Exit::unreachable, target.rpc_url + " answered " + what + " with something that is not an epoch chain: " + why);
  };
  if (!doc->is_object() || !doc->contains("chain") || !(*doc)["chain"].is_object()) throw malformed("no \"chain\" object");
  const auto& chain = (*doc)["chain"];
  if (!chain.contains("records") || !chain["records"].is_array() || chain["records"].empty())
    throw malformed("no \"records\" list");
  for (const auto& r : chain["records"]) {
    if (!r.is_object() || !r.contains("epoch") || !r["epoch"].is_number_unsigned() || !r.contains("view") ||
        !r["view"].is_number_unsigned() || !r.contains("leader") || !r["leader"].is_number_unsigned() ||
        !r.contains("randomness") || !r["randomness"].is_string() || !r.contains("cosi") || !r["cosi"].is_object() ||
        !r["cosi"].contains("signers") || !r["cosi"]["signers"].is_number_unsigned())
      throw malformed("a record without its epoch, view, leader, randomness or signers");
  }
  if (!chain.contains("validators") || !chain["validators"].is_number_unsigned() || !chain.contains("chain_id") ||
      !chain["chain_id"].is_string())
    throw malformed("no \"validators\" or \"chain_id\"");
  return std::move(*doc);
}

}  // namespace ios::cli
