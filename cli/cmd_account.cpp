// ios account show ADDR|NAME (docs/CLI.md "Inspecting the chain"): what a node knows of an
// account — its final balance, what it can spend now (final outputs no pending transfer
// through that node spends, plus the change of those transfers), and each output with its state.
#include <sstream>

#include "cli/commands.hpp"
#include "cli/tx_wallet.hpp"

namespace ios::cli {

void register_account(CLI::App& app, Globals& g) {
  auto* account = app.add_subcommand("account", "What a node knows of an account: balance, spendable amount, outputs (show)");
  account->require_subcommand(1);
  auto who = std::make_shared<std::string>();
  auto* show = account->add_subcommand("show", "Balance, spendable amount and outputs of an account");
  show->add_option("account", *who, "An ios1 address or a devnet account name")->required();
  show->footer(
      "balance is final; spendable counts the outputs of transfers still pending through the node asked.\n"
      "Examples:\n  ios account show acct3\n  ios account show ios1… --json | jq -r .spendable");
  show->callback([who, &g] {
    const auto address = resolve_recipient(devnet_home(g), *who);
    const auto target = find_target_for(g, address);
    rpc::RpcClient client(target.rpc_url);
    auto doc = client.account(address);
    if (!doc) fail_rpc(doc.error(), "account " + address.to_string());
    doc->erase("schema");
    std::ostringstream t;
    t << "address    " << address.to_string() << "\nshard      " << doc->value("shard", 0u) << "\nbalance    " << (*doc)["balance"].get<std::string>()
      << " (final at height " << (*doc)["height"] << ")\nspendable  " << (*doc)["spendable"].get<std::string>()
      << "\noutputs    " << (*doc)["utxos"].size();
    for (const auto& u : (*doc)["utxos"])
      t << "\n  " << u["tx"].get<std::string>() << ":" << u["index"] << "  " << u["amount"].get<std::string>() << "  "
        << u["state"].get<std::string>();
    emit(g, "ios.account.show.v1", std::move(*doc), t.str());
  });
}

}  // namespace ios::cli
