#pragma once
// The wallet's memory of its own unfinished transfers: what one sender sent that no node has
// reported final or rejected yet, in a small file per address. The next `ios tx send` from the
// same account, in another process and through any node, then
//   - does not pick a coin a transfer in flight already spends (the node it asks may not have
//     heard of that transfer: a double spend the believable validator would refuse);
//   - sends the unfinished transfers on first, oldest first, to a node that does not know them
//     (a node's door knows only its own submissions, so it would refuse their change as an
//     unknown input); a node takes a transfer it already holds again (runtime submit());
//   - can spend their change at once (whitepaper §8.2: the optimistic league chains payments).
// This is how a wallet keeps its own unconfirmed transactions (Bitcoin Core's wallet does the
// same); the node's API never has to agree with other nodes about pending state.
//
// File: <dir>/<address>.json = {"schema": "ios.wallet.journal.v1", "address",
//   "txs": [{"tx": <hex of chain::encode>, "sent_ms": <unix ms>}]}, written whole to a temporary
// file and renamed (a crash leaves the old or the new file, never half of one). Two processes
// of one sender take turns through flock(2) on <dir>/<address>.lock, held from before the coins
// are read until the new transfer is recorded (waiting at most the command's --timeout: exit 4).
// A transfer is recorded before it is submitted and dropped only if the node refuses it, so a
// submission whose answer was lost (a timeout, a 503 whose task still ran) is not forgotten.
// An entry leaves when a node reports it final and no entry still in flight spends its outputs
// (a node a block behind is sent the parent again before the child), when a node rejects it
// for a reason other than an unknown input (what a node says of a tx whose ancestor it has not
// seen yet: not a verdict), or after journal_entry_ms_max; at most journal_txs_max are kept.
// A journal that does not parse is our own file damaged: warned about and started afresh
// (the worst outcome is the double spend the journal exists to avoid, refused by the chain).
// The folder depends on the devnet home (see wallet_dir), so two processes of one sender share
// a journal when they name the same home or IOS_WALLET_DIR. No fsync: a crash of the process
// leaves the old or the new file; a power loss may lose the last entry.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/output.hpp"
#include "cli/tx_wallet.hpp"
#include "node/chain/tx.hpp"

namespace ios::cli {

inline constexpr std::size_t journal_txs_max = 1024;
inline constexpr std::uint64_t journal_entry_ms_max = 10 * 60 * 1000;

// IOS_WALLET_DIR if set; else <devnet home>/wallet if the devnet home exists; else
// $XDG_STATE_HOME/ios/wallet (default ~/.local/state/ios/wallet).
std::filesystem::path wallet_dir(const std::string& devnet_home);

struct JournalEntry {
  chain::Tx tx;
  core::Hash32 hash{};
  std::uint64_t sent_ms = 0;
};

// The node's coins of `owner` corrected by unfinished transfers (oldest first): a coin any of
// them spends is gone, and each output they pay `owner` that none of them spends is there once.
std::vector<Coin> apply_unfinished(std::vector<Coin> coins, const std::vector<JournalEntry>& unfinished,
                                   const chain::Address& owner);

class WalletJournal {
 public:
  // Creates `dir` if needed, takes the sender's lock (waits up to `lock_wait_ms` for another
  // process of the same sender: exit 4 after), reads the file and drops expired entries. Exit 2
  // naming the path on I/O errors.
  WalletJournal(const Globals& g, const std::filesystem::path& dir, const chain::Address& owner,
                std::uint64_t lock_wait_ms);
  ~WalletJournal();
  WalletJournal(const WalletJournal&) = delete;
  WalletJournal& operator=(const WalletJournal&) = delete;

  const std::vector<JournalEntry>& entries() const { return entries_; }
  void forget(const core::Hash32& tx);
  void add(const chain::Tx& tx);
  // Writes the file (temporary + rename), keeping the lock.
  void save();
  // save(), then releases the lock; later calls change nothing on disk.
  void save_and_unlock();
  // The same, for after a submission: a journal that cannot be written costs the protection it
  // gives, not the result of a transfer the node already took (a warning, not an exit).
  void keep(bool unlock);

 private:
  const Globals& g_;
  std::filesystem::path file_;
  chain::Address owner_;
  std::vector<JournalEntry> entries_;
  int lock_fd_ = -1;
};

// Asks the node about each unfinished transfer: final or rejected ones are forgotten, ones the
// node does not know are submitted to it (oldest first; refused ones are forgotten too).
void settle_unfinished(const rpc::RpcClient& client, WalletJournal& journal);

}  // namespace ios::cli
