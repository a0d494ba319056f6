#pragma once
// What `ios tx` needs to act as a wallet against a running node (docs/CLI.md "ios tx"; the node
// contract): find the node (--rpc, or a running node of the devnet at --home), unlock a sender
// (a devnet account name or a keystore path), pick its coins, sign a transfer under the
// genesis chain id, submit it, and follow its state until the requested wait level.
//
// The CLI never decides validity: the node refuses (exit 5 with its reason) and the chain
// finalizes. What the CLI guarantees is honest reporting — a state is printed only as the node
// answered it, a timeout is exit 4 with the last state seen, an unreachable node exit 7.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/output.hpp"
#include "cli/password.hpp"
#include "node/chain/address.hpp"
#include "node/chain/tx.hpp"
#include "node/core/result.hpp"
#include "node/crypto/ed25519.hpp"
#include "node/rpc/client.hpp"

namespace ios::cli {

inline constexpr std::uint64_t tx_poll_interval_ms = 20;
// Walking every shard for a hash is slower; it need not be as eager.
inline constexpr std::uint64_t tx_locate_interval_ms = 200;
// A transfer still pending this long is sent again (same bytes, same id: idempotent). A
// producer forgets pending work that a lost message or a restart orphaned, and the protocol
// leaves resubmission to the client (optimistic_producer.hpp).
inline constexpr std::uint64_t tx_resubmit_ms = 2000;
// An optimistic transfer not final after this long is sent again too: an optimistic block is
// lost with its TransEpoch segment if no final block merged it before the segment ended, and
// the transfer is then final nowhere (node/protocol/transepoch/README.md "Known limits").
inline constexpr std::uint64_t tx_optimistic_resubmit_ms = 5000;
// Whether a transfer in `state`, last sent `since_sent_ms` ago, is due to be sent again.
bool resubmit_due(rpc::TxState state, std::uint64_t since_sent_ms);
inline constexpr chain::Amount default_fee = 1;  // the devnet policy's min fee

// --home, or IOS_HOME, or ./.ios-devnet.
std::string devnet_home(const Globals& g);

// The RPC URLs of the devnet's running nodes (state.json), in node order. Exit 3 if the home
// has no devnet state.
std::vector<std::string> devnet_node_urls(const std::string& home);

// The node `ios tx` talks to: --rpc, else the first running devnet node that answers
// /v1/status. Exit 7 if none answers.
struct TxTarget {
  std::string rpc_url;
  std::string chain_id;  // from /v1/status: the genesis chain id every witness signs
  std::uint32_t shard = 0, shards = 1;  // the shard the node serves, of how many
  bool joining = false;  // TransEpoch: moving into `shard`, not serving it yet (it refuses its payments)
  // A segment of `shard` still running on the node (status "segments"); false when its last one
  // ended and the next has not started: its status still names the shard it is leaving.
  bool running = true;
  core::Bytes chain_id_bytes() const { return core::Bytes(chain_id.begin(), chain_id.end()); }
};
TxTarget find_target(const Globals& g);
// Whether the node takes `shard`'s payments now: it serves the shard, is not joining it, and a
// segment of it runs there (docs/CLI.md "Shards that move"). ShardRoute and tx load's watcher
// both decide by it.
inline bool serves(const TxTarget& t, std::uint32_t shard) { return t.shard == shard && !t.joining && t.running; }
inline constexpr std::uint32_t serves_no_shard = ~std::uint32_t{0};  // tx load: a node that serves none now
// The target a node's /v1/status document describes; nullopt if it lacks what every node reports.
std::optional<TxTarget> target_of(const std::string& url, const nlohmann::json& status);
// A node that serves `shard` (docs/DESIGN.md §4: an account lives in SHA-256(address) mod m, and
// only its shard holds its coins and takes its payments): the first devnet node of that shard
// that answers, or --rpc if it serves it (exit 2 naming the shard otherwise: the user asked a
// node that cannot answer for this account). Exit 7 if none answers.
TxTarget find_shard_target(const Globals& g, std::uint32_t shard, const std::string& why);
TxTarget find_target_for(const Globals& g, const chain::Address& account);
// One answering node per shard, in shard order: where a hash alone is looked up.
std::vector<TxTarget> targets_per_shard(const Globals& g);
// The same for a known URL (exit 7 if it does not answer).
TxTarget target_at(const std::string& rpc_url);
// Every running devnet node that answers /v1/status, in node order.
std::vector<TxTarget> devnet_targets(const std::string& home);

// Where a hash alone is known: the first node of targets_per_shard whose status of `hash` is
// not unknown, asking again every tx_locate_interval_ms until `deadline` (one pass if it has passed).
// If no shard knows it, the first node and its "unknown".
struct LocatedTx {
  TxTarget target;
  rpc::TxStatus status;
};
LocatedTx locate_tx(const Globals& g, const core::Hash32& hash, std::chrono::steady_clock::time_point deadline);

// A sender: its address and unlocked signing key.
struct Sender {
  std::string name;  // the account name or keystore path as given
  chain::Address address;
  std::shared_ptr<const crypto::SigningKey> key;
};

// The devnet's public account list (accounts/accounts.json): name -> address. Empty when the
// home has none (then only keystore paths and addresses work).
struct DevnetAccount {
  std::string name;
  chain::Address address;
};
std::vector<DevnetAccount> devnet_accounts(const std::string& home);

// "acct3" (accounts/acct3.json under the devnet home) or a keystore path. Exit 3 for an unknown
// account, 10 for a keystore that does not unlock.
Sender load_sender(const std::string& home, const std::string& account, const PasswordSource& password);
// A bech32m address (either case), a devnet account name, or a keystore file (its public part).
// Exit 2 for a malformed address, 3 for an unknown name, 10 for a file that is not a keystore.
chain::Address resolve_recipient(const std::string& home, const std::string& text);

// Decimal amount; exit 2 naming the flag otherwise.
chain::Amount parse_amount_arg(const std::string& flag, const std::string& text);

// One unspent output of the sender.
struct Coin {
  chain::OutPoint point;
  chain::Amount amount = 0;
};
// GET /v1/accounts/{address}; exits on RPC failure.
std::vector<Coin> fetch_coins(const rpc::RpcClient& client, const chain::Address& address);

// A signed transfer and the change output it creates (if any), so the next transfer of the same
// sender can spend it before the node's answer about balances changes.
struct Transfer {
  chain::Tx tx;
  core::Hash32 hash{};
  std::optional<Coin> change;
  std::vector<Coin> spent;
};
// Picks coins largest first until amount + fee is covered (at most tx_inputs_max), removes them
// from `coins`, signs with a fresh random nonce. nullopt if the coins do not cover it.
std::optional<Transfer> build_transfer(const Sender& from, std::vector<Coin>& coins, const chain::Address& to,
                                       chain::Amount amount, chain::Amount fee, core::ByteView chain_id);
// A transfer spending exactly `coin`: `amount` to `to`, the rest back to the sender as output 1.
Transfer chain_transfer(const Sender& from, const Coin& coin, const chain::Address& to, chain::Amount amount,
                        chain::Amount fee, core::ByteView chain_id, std::uint64_t nonce);

enum class WaitLevel { none, optimistic, final };
WaitLevel parse_wait_level(const std::string& flag, const std::string& text);
std::string_view to_string(WaitLevel level);
bool reached(rpc::TxState state, WaitLevel level);

// What happened to one submitted transaction, as the node reported it.
using Clock = std::chrono::steady_clock;
struct Outcome {
  // None when no transaction was signed or sent (e.g. a batch line its sender cannot pay for):
  // a made-up hash would send a user looking for a transaction that never existed.
  std::optional<core::Hash32> hash;
  rpc::TxState state = rpc::TxState::unknown;
  std::optional<std::uint64_t> height;
  std::string reason;                       // the node's refusal or exclusion
  std::optional<std::uint64_t> optimistic_ms;  // since submission, first seen optimistic or final
  std::optional<std::uint64_t> final_ms;       // since submission, first seen final
  bool timed_out = false;
  bool unreachable = false;
  std::string error;  // an RPC failure, one line
  Clock::time_point last_sent{};

  bool ok() const { return !timed_out && !unreachable && error.empty() && state != rpc::TxState::rejected; }
};

// A refusal "between_segments" is offered again this many times, this far apart (10 s).
inline constexpr int submit_between_segments_tries = 50;
inline constexpr std::uint64_t submit_between_segments_wait_ms = 200;

class ShardRoute;  // cli/shard_route.hpp

// Whether a node's refusal reason is `why` (reasons start with the Reject's name).
bool refused_for(const std::string& reason, core::Reject why);

// POSTs the transaction; records a refusal (rejected + reason) in `out`. Returns false if the
// node refused it or could not be asked. A wrong_shard refusal from a node that left the
// shard moves the route and sends it again.
bool submit_transfer(ShardRoute& route, const chain::Tx& tx, Outcome& out);
// One GET /v1/tx/{hash}: updates state, height, reason and the latencies first seen. An
// unreachable node is not an error here (it may be restarting); any other failure sets `error`.
// With `tx`, a transfer pending for tx_resubmit_ms is submitted again, and at once to the node
// a moved route now names.
void observe_transfer(ShardRoute& route, Clock::time_point submitted_at, Outcome& out, const chain::Tx* tx = nullptr);
// Polls GET /v1/tx/{hash} every tx_poll_interval_ms until the state reaches `level`, is
// rejected, or `deadline` passes (timed_out). Latencies are measured from `submitted_at`.
void follow_transfer(ShardRoute& route, WaitLevel level, Clock::time_point submitted_at,
                     Clock::time_point deadline, Outcome& out, const chain::Tx* tx = nullptr);

// ios.tx.send.v1 fields (without "schema"), a text line, and the exit code of an outcome.
nlohmann::json outcome_json(const Outcome& out);
std::string outcome_text(const Outcome& out);
Exit outcome_exit(const Outcome& out);

// Exits with the code docs/CLI.md gives an RPC failure (7 unreachable, 3 not found, 1 otherwise).
[[noreturn]] void fail_rpc(const rpc::RpcError& error, const std::string& context);

// One transfer as `ios tx send` and `ios devnet fund` make it: the sender's unfinished
// transfers settled (wallet_journal.hpp), coins picked, signed, submitted, followed to `level`,
// and the outcome printed (ios.tx.send.v1) or thrown as a Failure with its exit code.
struct TransferRequest {
  Sender sender;
  chain::Address to;
  chain::Amount amount = 0;
  chain::Amount fee = default_fee;
  WaitLevel level = WaitLevel::final;
  std::uint64_t timeout_ms = 30'000;
};
void send_transfer(const Globals& g, const TransferRequest& r, const TxTarget& target);

// Registration of the larger subcommands, each in its own file.
void register_tx_batch(CLI::App& tx, Globals& g);
void register_tx_load(CLI::App& tx, Globals& g);

}  // namespace ios::cli
