#include "cli/wallet_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace ios::cli {

namespace {

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

[[noreturn]] void fail_io(const std::filesystem::path& path, const std::string& what) {
  throw Failure(Exit::usage, "wallet journal " + path.string() + ": " + what);
}

// The entries of a journal document, or nullopt if it is not one of `owner`.
std::optional<std::vector<JournalEntry>> parse_journal(const std::string& text, const chain::Address& owner) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  const auto text_of = [&](const char* key) -> std::string {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (!doc.is_object() || text_of("schema") != "ios.wallet.journal.v1" || text_of("address") != owner.to_string() ||
      !doc.contains("txs") || !doc["txs"].is_array())
    return std::nullopt;
  std::vector<JournalEntry> entries;
  for (const auto& e : doc["txs"]) {
    if (!e.is_object() || !e.contains("tx") || !e["tx"].is_string() || !e.contains("sent_ms") ||
        !e["sent_ms"].is_number_unsigned())
      return std::nullopt;
    auto bytes = core::from_hex(e["tx"].get<std::string>());
    if (!bytes) return std::nullopt;
    auto tx = chain::decode_tx(*bytes);
    if (!tx) return std::nullopt;
    entries.push_back({*tx, chain::tx_hash(*tx), e["sent_ms"].get<std::uint64_t>()});
  }
  return entries;
}

}  // namespace

std::filesystem::path wallet_dir(const std::string& devnet_home) {
  if (const char* dir = std::getenv("IOS_WALLET_DIR"); dir != nullptr && *dir != '\0') return dir;
  std::error_code ec;
  if (std::filesystem::is_directory(devnet_home, ec)) return std::filesystem::path(devnet_home) / "wallet";
  if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state != '\0')
    return std::filesystem::path(state) / "ios" / "wallet";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".local" / "state" / "ios" / "wallet";
}

std::vector<Coin> apply_unfinished(std::vector<Coin> coins, const std::vector<JournalEntry>& unfinished,
                                   const chain::Address& owner) {
  std::set<chain::OutPoint> spent;
  for (const auto& e : unfinished)
    for (const auto& in : e.tx.inputs) spent.insert(in.prev);
  std::erase_if(coins, [&](const Coin& c) { return spent.contains(c.point); });
  for (const auto& e : unfinished) {
    for (std::uint32_t i = 0; i < e.tx.outputs.size(); ++i) {
      const chain::OutPoint point{e.hash, i};
      const auto& out = e.tx.outputs[i];
      if (out.owner != owner || out.asset != chain::Asset::ios || spent.contains(point)) continue;
      if (std::none_of(coins.begin(), coins.end(), [&](const Coin& c) { return c.point == point; }))
        coins.push_back({point, out.amount});
    }
  }
  return coins;
}

WalletJournal::WalletJournal(const Globals& g, const std::filesystem::path& dir, const chain::Address& owner,
                             std::uint64_t lock_wait_ms)
    : g_(g), owner_(owner) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail_io(dir, "cannot create the directory: " + ec.message());
  const auto name = owner.to_string();
  file_ = dir / (name + ".json");
  const auto lock_path = dir / (name + ".lock");
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) fail_io(lock_path, std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(lock_wait_ms);
  bool told = false;
  while (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) fail_io(lock_path, std::string("cannot lock: ") + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= deadline)
      throw Failure(Exit::timeout, "another ios process of " + name + " still holds its wallet journal " + lock_path.string());
    if (!told) note(g, "waiting for another ios process of " + name + " (wallet journal " + lock_path.string() + ")");
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream in(file_);
  if (!in) return;  // no unfinished transfers yet
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_journal(text.str(), owner_);
  if (!parsed) {
    note(g, "warning: " + file_.string() + " is not a wallet journal of " + name + "; starting a new one");
    return;
  }
  const auto now = unix_ms();
  for (auto& e : *parsed)
    if (e.sent_ms + journal_entry_ms_max > now) entries_.push_back(std::move(e));
}

WalletJournal::~WalletJournal() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

void WalletJournal::forget(const core::Hash32& tx) {
  std::erase_if(entries_, [&](const JournalEntry& e) { return e.hash == tx; });
}

void WalletJournal::add(const chain::Tx& tx) {
  entries_.push_back({tx, chain::tx_hash(tx), unix_ms()});
  if (entries_.size() > journal_txs_max)
    entries_.erase(entries_.begin(), entries_.end() - static_cast<std::ptrdiff_t>(journal_txs_max));
}

void WalletJournal::save() {
  if (lock_fd_ < 0) return;
  nlohmann::json txs = nlohmann::json::array();
  for (const auto& e : entries_) txs.push_back({{"tx", core::to_hex(chain::encode(e.tx))}, {"sent_ms", e.sent_ms}});
  const nlohmann::json doc{{"schema", "ios.wallet.journal.v1"}, {"address", owner_.to_string()}, {"txs", txs}};
  auto tmp = file_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump() << '\n';
    out.flush();
    if (!out) fail_io(tmp, "cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file_, ec);
  if (ec) fail_io(file_, "cannot replace: " + ec.message());
}

void WalletJournal::keep(bool unlock) {
  try {
    unlock ? save_and_unlock() : save();
  } catch (const Failure& f) {
    note(g_, std::string("warning: ") + f.what());
  }
}

void WalletJournal::save_and_unlock() {
  if (lock_fd_ < 0) return;
  save();
  ::close(lock_fd_);
  lock_fd_ = -1;
}

void settle_unfinished(const rpc::RpcClient& client, WalletJournal& journal) {
  const auto entries = journal.entries();  // oldest first: parents before children
  const auto unknown_input = [](const std::string& reason) { return reason.rfind("unknown_input", 0) == 0; };
  std::map<core::Hash32, rpc::TxState> state;
  for (const auto& e : entries) {
    auto s = client.tx_status(e.hash);
    if (!s) fail_rpc(s.error(), "transaction " + core::to_hex(e.hash));
    // Refused for an unknown input: this node has not seen an ancestor (yet). Not a verdict.
    state[e.hash] = s->state == rpc::TxState::rejected && unknown_input(s->reason) ? rpc::TxState::unknown : s->state;
  }
  // The node is asked about one entry at a time, so a block can land between two answers: a
  // parent read as pending and its child read as final. A final child means a final parent,
  // and a rejected parent a child that can never land: make the answers agree along each chain.
  for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
    if (state[e->hash] != rpc::TxState::final) continue;
    for (const auto& in : e->tx.inputs)
      if (auto p = state.find(in.prev.tx); p != state.end()) p->second = rpc::TxState::final;
  }
  const auto doomed = [&](const JournalEntry& e) {
    return std::any_of(e.tx.inputs.begin(), e.tx.inputs.end(), [&](const chain::TxInput& in) {
      auto p = state.find(in.prev.tx);
      return p != state.end() && p->second == rpc::TxState::rejected;
    });
  };
  for (const auto& e : entries) {
    auto& s = state[e.hash];
    if (s != rpc::TxState::final && doomed(e)) s = rpc::TxState::rejected;
    if (s != rpc::TxState::unknown) continue;
    // Not known to this node: sent to it, parents first (this loop's order).
    auto answer = client.submit(e.tx);
    if (!answer) fail_rpc(answer.error(), "transaction " + core::to_hex(e.hash));
    if (!answer->accepted && !unknown_input(answer->reason)) s = rpc::TxState::rejected;
  }
  // A final entry stays while one still in flight spends its outputs, for a node behind.
  std::set<core::Hash32> needed;
  for (const auto& e : entries) {
    const auto s = state[e.hash];
    if (s == rpc::TxState::final || s == rpc::TxState::rejected) continue;
    for (const auto& in : e.tx.inputs) needed.insert(in.prev.tx);
  }
  for (const auto& e : entries) {
    const auto s = state[e.hash];
    if (s == rpc::TxState::rejected || (s == rpc::TxState::final && !needed.contains(e.hash))) journal.forget(e.hash);
  }
}

}  // namespace ios::cli
