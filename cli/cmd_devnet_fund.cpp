// ios devnet fund ADDR AMOUNT: a faucet. Pays AMOUNT to ADDR from whichever of the devnet's
// funded accounts in ADDR's shard holds the most (so a script can fund a fresh keystore without
// knowing the genesis accounts; a payer of another shard would make it a cross-shard payment),
// through the same wallet steps as `ios tx send`.
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/tx_wallet.hpp"

namespace ios::cli {

namespace {

struct FundArgs {
  std::string to;
  std::string amount;
  std::string wait = "final";
  std::string timeout = "30s";
};

void run_fund(const Globals& g, const FundArgs& a) {
  TransferRequest r;
  r.amount = parse_amount_arg("AMOUNT", a.amount);
  if (r.amount == 0) throw Failure(Exit::usage, "AMOUNT must be at least 1");
  r.level = parse_wait_level("--wait", a.wait);
  r.timeout_ms = parse_duration_ms("--timeout", a.timeout);
  const auto home = devnet_home(g);
  r.to = resolve_recipient(home, a.to);
  const auto accounts = devnet_accounts(home);
  if (accounts.empty()) throw Failure(Exit::not_found, "no funded accounts in the devnet at " + home + " (accounts/accounts.json)");
  const auto target = find_target_for(g, r.to);
  rpc::RpcClient client(target.rpc_url);
  const DevnetAccount* richest = nullptr;
  chain::Amount most = 0;
  for (const auto& acct : accounts) {
    if (acct.address == r.to || acct.address.shard(target.shards) != target.shard) continue;
    chain::Amount held = 0;
    for (const auto& c : fetch_coins(client, acct.address)) held += c.amount;
    if (richest == nullptr || held > most) {
      richest = &acct;
      most = held;
    }
  }
  const auto need = chain::add_amount(r.amount, r.fee);
  if (richest == nullptr || !need || most < *need)
    throw Failure(Exit::failed_on_chain, "the faucet cannot pay " + a.amount + ": the richest devnet account" +
                                             (target.shards > 1 ? " of shard " + std::to_string(target.shard) : "") +
                                             " holds " + std::to_string(most));
  note(g, "fund: " + a.amount + " from " + richest->name);
  r.sender = load_sender(home, richest->name, PasswordSource{});
  send_transfer(g, r, target);
}

}  // namespace

void register_devnet_fund(CLI::App& devnet, Globals& g) {
  auto args = std::make_shared<FundArgs>();
  auto* cmd = devnet.add_subcommand("fund", "Faucet: pay an address from the devnet's funded accounts");
  cmd->add_option("address", args->to, "Recipient: an ios1 address or a devnet account name")->required();
  cmd->add_option("amount", args->amount, "Amount in base units")->required();
  cmd->add_option("--wait", args->wait, "none, optimistic or final")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "How long to wait (units ms, s, m)")->capture_default_str();
  cmd->footer(
      "Prints the transfer like `ios tx send` (ios.tx.send.v1). Exit 5 if no account can pay it.\n"
      "Example:\n  ios keygen --type account --out bob.key --insecure && \\\n"
      "    ios devnet fund $(ios keys show bob.key --json | jq -r .address) 5000 --wait final");
  cmd->callback([args, &g] { run_fund(g, *args); });
}

}  // namespace ios::cli
