// ios tx send / status / batch / load (docs/CLI.md "ios tx"): sign transfers with a devnet account
// or a keystore, submit them to a node, and wait for the state the user asked for. Batch and
// load live in tx_batch.cpp and tx_load.cpp; the wallet steps they share in tx_wallet.hpp.
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/tx_wallet.hpp"

namespace ios::cli {

namespace {

struct SendArgs {
  std::string from;
  std::string to;
  std::string amount;
  std::string fee = std::to_string(default_fee);
  std::string wait = "final";
  std::string timeout = "30s";
  PasswordSource password;
};

void run_send(const Globals& g, const SendArgs& a) {
  const auto amount = parse_amount_arg("--amount", a.amount);
  const auto fee = parse_amount_arg("--fee", a.fee);
  const auto level = parse_wait_level("--wait", a.wait);
  const auto timeout_ms = parse_duration_ms("--timeout", a.timeout);
  if (amount == 0) throw Failure(Exit::usage, "--amount must be at least 1");
  const auto home = devnet_home(g);
  const auto sender = load_sender(home, a.from, a.password);
  const auto to = resolve_recipient(home, a.to);
  const auto target = find_target(g);
  rpc::RpcClient client(target.rpc_url);
  auto coins = fetch_coins(client, sender.address);
  chain::Amount balance = 0;
  for (const auto& c : coins) balance += c.amount;
  const auto chain_id = target.chain_id_bytes();
  auto transfer = build_transfer(sender, coins, to, amount, fee, chain_id);
  if (!transfer)
    throw Failure(Exit::failed_on_chain, "insufficient funds: " + sender.address.to_string() + " holds " + std::to_string(balance) +
                                             " in " + std::to_string(coins.size()) + " outputs, needs " + a.amount + " + fee " + a.fee);
  note(g, "tx: " + core::to_hex(transfer->hash) + " from " + sender.address.to_string() + " via " + target.rpc_url);
  Outcome out;
  const auto submitted_at = Clock::now();
  if (submit_transfer(client, transfer->tx, out))
    follow_transfer(client, level, submitted_at, submitted_at + std::chrono::milliseconds(timeout_ms), out, &transfer->tx);
  const Exit exit = outcome_exit(out);
  if (exit != Exit::ok) {
    std::string what = out.unreachable        ? "node unreachable: " + out.error
                       : !out.error.empty()   ? out.error
                       : out.timed_out        ? "timed out after " + a.timeout + " waiting for " + std::string(to_string(level)) +
                                                 " (last state " + std::string(rpc::to_string(out.state)) + ")"
                                              : "transaction " + core::to_hex(*out.hash) + " " + std::string(rpc::to_string(out.state)) +
                                                 ": " + out.reason;
    throw Failure(exit, what, outcome_json(out));
  }
  emit(g, "ios.tx.send.v1", outcome_json(out), outcome_text(out));
}

void register_send(CLI::App& tx, Globals& g) {
  auto args = std::make_shared<SendArgs>();
  auto* cmd = tx.add_subcommand("send", "Sign a transfer, submit it and wait for it");
  cmd->add_option("--from", args->from, "Sender: a devnet account name (acct3) or a keystore file")->required();
  cmd->add_option("--to", args->to,
                  "Recipient: an ios1 address (either case), a devnet account name or a keystore file")
      ->required();
  cmd->add_option("--amount", args->amount, "Amount in base units")->required();
  cmd->add_option("--fee", args->fee, "Fee in base units (the policy's minimum by default)")->capture_default_str();
  cmd->add_option("--wait", args->wait, "none, optimistic or final")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "How long to wait (units ms, s, m)")->capture_default_str();
  add_password_flags(cmd, args->password, false);
  cmd->footer(
      "Exit 0 when the wait level was reached, 5 if the node refused or the chain excluded the transfer, 4 on timeout,\n"
      "7 if the node is unreachable, 3 for an unknown account.\n"
      "Example:\n  ios tx send --from acct0 --to acct1 --amount 1000 --wait final --json");
  cmd->callback([args, &g] { run_send(g, *args); });
}

void register_status(CLI::App& tx, Globals& g) {
  auto hash_text = std::make_shared<std::string>();
  auto* cmd = tx.add_subcommand("status", "The state of a transaction: pending, optimistic, final or rejected");
  cmd->add_option("hash", *hash_text, "Transaction hash (64 hex characters)")->required();
  cmd->footer("Exit 3 if the node does not know the transaction.\nExample:\n  ios tx status 3f1c…e0 --json");
  cmd->callback([hash_text, &g] {
    const auto hash = parse_hex_arg<32>("HASH", *hash_text);
    const auto target = find_target(g);
    rpc::RpcClient client(target.rpc_url);
    auto s = client.tx_status(hash);
    if (!s) fail_rpc(s.error(), "node " + target.rpc_url);
    if (s->state == rpc::TxState::unknown) throw Failure(Exit::not_found, "transaction " + *hash_text + " is unknown to " + target.rpc_url);
    nlohmann::json doc{{"hash", core::to_hex(hash)}, {"state", std::string(rpc::to_string(s->state))}};
    std::ostringstream t;
    t << core::to_hex(hash) << " " << rpc::to_string(s->state);
    if (s->height) {
      doc["height"] = *s->height;
      t << " at height " << *s->height;
    }
    if (!s->reason.empty()) {
      doc["reason"] = s->reason;
      t << "; " << s->reason;
    }
    emit(g, "ios.tx.status.v1", doc, t.str());
  });
}

}  // namespace

void register_tx(CLI::App& app, Globals& g) {
  auto* tx = app.add_subcommand("tx", "Sign and submit transfers; follow their state; batches and load");
  tx->require_subcommand(1);
  tx->footer("The node: --rpc URL (IOS_RPC), else a running node of the devnet at --home (IOS_HOME, default ./.ios-devnet).");
  register_send(*tx, g);
  register_status(*tx, g);
  register_tx_batch(*tx, g);
  register_tx_load(*tx, g);
}

}  // namespace ios::cli
