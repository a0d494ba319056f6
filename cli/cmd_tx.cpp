// ios tx send / status / batch / load (docs/CLI.md "ios tx"): sign transfers with a devnet account
// or a keystore, submit them to a node, and wait for the state the user asked for. Batch and
// load live in tx_batch.cpp and tx_load.cpp; the wallet steps they share in tx_wallet.hpp.
#include <set>
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/shard_route.hpp"
#include "cli/tx_wallet.hpp"
#include "cli/wallet_journal.hpp"

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
  TransferRequest r;
  r.amount = parse_amount_arg("--amount", a.amount);
  r.fee = parse_amount_arg("--fee", a.fee);
  r.level = parse_wait_level("--wait", a.wait);
  r.timeout_ms = parse_duration_ms("--timeout", a.timeout);
  if (r.amount == 0) throw Failure(Exit::usage, "--amount must be at least 1");
  const auto home = devnet_home(g);
  r.sender = load_sender(home, a.from, a.password);
  r.to = resolve_recipient(home, a.to);
  send_transfer(g, r, find_target_for(g, r.sender.address));
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

struct StatusArgs {
  std::string hash;
  std::string wait = "none";
  std::string timeout = "30s";
};

// The status line and document of what the node reported.
void emit_status(const Globals& g, const core::Hash32& hash, const Outcome& out) {
  nlohmann::json doc{{"hash", core::to_hex(hash)}, {"state", std::string(rpc::to_string(out.state))}};
  std::ostringstream t;
  t << core::to_hex(hash) << " " << rpc::to_string(out.state);
  if (out.height) {
    doc["height"] = *out.height;
    t << " at height " << *out.height;
  }
  if (!out.reason.empty()) {
    doc["reason"] = out.reason;
    t << "; " << out.reason;
  }
  emit(g, "ios.tx.status.v1", doc, t.str());
}

// Who was asked about a hash nobody knew: the node named by --rpc (which serves one shard of
// several, perhaps not the one), or a node of every shard.
std::string unknown_where(const Globals& g, const TxTarget& asked) {
  if (asked.shards == 1) return asked.rpc_url;
  if (!g.rpc.empty())
    return asked.rpc_url + " (shard " + std::to_string(asked.shard) + " of " + std::to_string(asked.shards) +
           "; without --rpc every shard is asked)";
  return "a node of every shard that answers";
}

void run_status(const Globals& g, const StatusArgs& a) {
  const auto hash = parse_hex_arg<32>("HASH", a.hash);
  const auto level = parse_wait_level("--wait", a.wait);
  const auto timeout_ms = parse_duration_ms("--timeout", a.timeout);
  Outcome out;
  out.hash = hash;
  const auto started = Clock::now();
  // The shard that holds it (a hash does not say); with --wait, one submitted a moment ago
  // elsewhere may still reach its node.
  const auto located = locate_tx(g, hash, level == WaitLevel::none ? started : started + std::chrono::milliseconds(timeout_ms));
  const auto& target = located.target;
  ShardRoute route(g, target);
  const auto* s = &located.status;
  // Unknown is an answer only without --wait.
  if (s->state == rpc::TxState::unknown && level == WaitLevel::none)
    throw Failure(Exit::not_found, "transaction " + a.hash + " is unknown to " + unknown_where(g, target));
  out.state = s->state;
  out.height = s->height;
  out.reason = s->reason;
  if (!reached(out.state, level) && out.state != rpc::TxState::rejected)
    follow_transfer(route, level, started, started + std::chrono::milliseconds(timeout_ms), out);
  if (out.timed_out)
    throw Failure(Exit::timeout, "timed out after " + a.timeout + " waiting for " + std::string(to_string(level)) + " (last state " +
                                     std::string(rpc::to_string(out.state)) + ")",
                  outcome_json(out));
  if (!out.error.empty()) throw Failure(Exit::internal, out.error);
  if (out.unreachable) throw Failure(Exit::unreachable, "node " + target.rpc_url + " unreachable");
  emit_status(g, hash, out);
  // Waiting for a level a rejected transaction can never reach is a failure of what was asked.
  if (out.state == rpc::TxState::rejected && level != WaitLevel::none)
    throw Failure(Exit::failed_on_chain, "transaction " + a.hash + " rejected: " + out.reason, outcome_json(out));
}

void register_tx_status(CLI::App& tx, Globals& g) {
  auto args = std::make_shared<StatusArgs>();
  auto* cmd = tx.add_subcommand("status", "The state of a transaction: pending, optimistic, final or rejected");
  cmd->add_option("hash", args->hash, "Transaction hash (64 hex characters)")->required();
  cmd->add_option("--wait", args->wait, "none (answer now), optimistic or final")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "How long to wait (units ms, s, m)")->capture_default_str();
  cmd->footer(
      "Exit 3 if the node does not know the transaction (without --wait). With --wait: 0 once the level is reached,\n"
      "5 if the transaction is rejected, 4 on timeout.\n"
      "Examples:\n  ios tx status 3f1c…e0 --json\n  ios tx status 3f1c…e0 --wait final --timeout 60s");
  cmd->callback([args, &g] { run_status(g, *args); });
}

void run_show(const Globals& g, const std::string& hash_text) {
  const auto hash = parse_hex_arg<32>("HASH", hash_text);
  const auto located = locate_tx(g, hash, Clock::now());
  const auto& target = located.target;
  rpc::RpcClient client(target.rpc_url);
  const auto* s = &located.status;
  if (s->state == rpc::TxState::unknown)
    throw Failure(Exit::not_found, "transaction " + hash_text + " is unknown to " + unknown_where(g, target));
  nlohmann::json doc{{"hash", core::to_hex(hash)}, {"state", std::string(rpc::to_string(s->state))}};
  if (s->height) doc["height"] = *s->height;
  if (!s->reason.empty()) doc["reason"] = s->reason;
  // The body: held by the node it went through until final, by every node once final.
  auto body = client.tx_body(hash);
  if (!body && !(body.error().kind == rpc::RpcErrorKind::http_error && body.error().http_status == 404))
    fail_rpc(body.error(), "node " + target.rpc_url);
  std::ostringstream t;
  t << "hash     " << core::to_hex(hash) << "\nstate    " << rpc::to_string(s->state);
  if (s->height) t << " at height " << *s->height;
  if (!s->reason.empty()) t << " (" << s->reason << ")";
  if (body) {
    for (const char* key : {"inputs", "outputs", "fee", "nonce"}) doc[key] = (*body)[key];
    std::set<std::string> senders;
    for (const auto& in : (*body)["inputs"]) senders.insert(in["owner"].get<std::string>());
    doc["from"] = senders;
    for (const auto& from : senders) t << "\nfrom     " << from;
    for (const auto& out : (*body)["outputs"])
      t << "\nto       " << out["to"].get<std::string>() << "  " << out["amount"].get<std::string>() << " "
        << out["asset"].get<std::string>();
    t << "\nfee      " << (*body)["fee"].get<std::string>();
    if (body->contains("receipt")) {
      doc["receipt"] = (*body)["receipt"];
      t << "\nreceipt  optimistic, signed by " << (*body)["receipt"]["producer"].get<std::string>().substr(0, 16)
        << "… in optimistic block " << (*body)["receipt"]["optimistic_block"].get<std::string>().substr(0, 16) << "…";
    }
  } else {
    t << "\n(body not held by " << target.rpc_url << ": it went through another node and is not final yet)";
  }
  emit(g, "ios.tx.show.v1", doc, t.str());
}

void register_tx_show(CLI::App& tx, Globals& g) {
  auto hash = std::make_shared<std::string>();
  auto* cmd = tx.add_subcommand("show", "A transaction: sender, recipients, amounts, fee, block, state and receipt");
  cmd->add_option("hash", *hash, "Transaction hash (64 hex characters)")->required();
  cmd->footer("Exit 3 if the node does not know the transaction.\nExample:\n  ios tx show 3f1c…e0 --json");
  cmd->callback([hash, &g] { run_show(g, *hash); });
}

}  // namespace

void send_transfer(const Globals& g, const TransferRequest& r, const TxTarget& target) {
  const auto& sender = r.sender;
  ShardRoute route(g, target);
  // The sender's unfinished transfers first (wallet_journal.hpp): sent on to this node if it
  // does not know them, and their coins and change taken into account.
  WalletJournal journal(g, wallet_dir(devnet_home(g)), sender.address, r.timeout_ms);
  settle_unfinished(route.client(), journal);
  auto coins = apply_unfinished(fetch_coins(route.client(), sender.address), journal.entries(), sender.address);
  if (g.verbosity > 0) {
    for (const auto& e : journal.entries()) note(g, "unfinished: " + core::to_hex(e.hash));
    for (const auto& c : coins)
      note(g, "coin: " + core::to_hex(c.point.tx) + ":" + std::to_string(c.point.index) + " " + std::to_string(c.amount));
  }
  chain::Amount balance = 0;
  for (const auto& c : coins) balance += c.amount;
  const auto chain_id = target.chain_id_bytes();
  auto transfer = build_transfer(sender, coins, r.to, r.amount, r.fee, chain_id);
  if (!transfer)
    throw Failure(Exit::failed_on_chain, "insufficient funds: " + sender.address.to_string() + " holds " + std::to_string(balance) +
                                             " in " + std::to_string(coins.size()) + " outputs, needs " + std::to_string(r.amount) +
                                             " + fee " + std::to_string(r.fee));
  note(g, "tx: " + core::to_hex(transfer->hash) + " from " + sender.address.to_string() + " via " + target.rpc_url);
  Outcome out;
  const auto submitted_at = Clock::now();
  // Recorded before it is sent: an answer lost on the way (a timeout, a 503 whose task still ran)
  // must not let the next send spend the same coins. Dropped again only on a refusal.
  journal.add(transfer->tx);
  journal.keep(false);
  const bool accepted = submit_transfer(route, transfer->tx, out);
  if (!accepted && out.state == rpc::TxState::rejected) journal.forget(transfer->hash);
  journal.keep(true);
  if (accepted)
    follow_transfer(route, r.level, submitted_at, submitted_at + std::chrono::milliseconds(r.timeout_ms), out, &transfer->tx);
  const Exit exit = outcome_exit(out);
  if (exit != Exit::ok) {
    std::string what = out.unreachable        ? "node unreachable: " + out.error
                       : !out.error.empty()   ? out.error
                       : out.timed_out        ? "timed out after " + std::to_string(r.timeout_ms) + " ms waiting for " +
                                                 std::string(to_string(r.level)) + " (last state " +
                                                 std::string(rpc::to_string(out.state)) + ")"
                                              : "transaction " + core::to_hex(transfer->hash) + " " + std::string(rpc::to_string(out.state)) +
                                                 ": " + out.reason;
    throw Failure(exit, what, outcome_json(out));
  }
  emit(g, "ios.tx.send.v1", outcome_json(out), outcome_text(out));
}

void register_tx(CLI::App& app, Globals& g) {
  auto* tx = app.add_subcommand("tx", "Sign and submit transfers; follow their state; batches and load");
  tx->require_subcommand(1);
  tx->footer("The node: --rpc URL (IOS_RPC), else a running node of the devnet at --home (IOS_HOME, default ./.ios-devnet).");
  register_send(*tx, g);
  register_tx_status(*tx, g);
  register_tx_show(*tx, g);
  register_tx_batch(*tx, g);
  register_tx_load(*tx, g);
}

}  // namespace ios::cli
