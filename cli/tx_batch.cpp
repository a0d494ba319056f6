// ios tx batch FILE.ndjson: one transfer per line {"from","to","amount","fee"?,"wait"?}. With
// -o ndjson one result per line on stdout (ios.tx.send.v1 plus "line"), then
// ios.tx.batch.summary.v1 as the last line; with -o json one document, ios.tx.batch.v1 (or the
// error document when a line failed), its results in file order under "results".
//
// The whole file is checked before anything is sent (a typo on line 900 must not leave 899
// transfers half-submitted): malformed lines exit 2, unknown accounts 3, locked keystores 10.
//
// Ordering: one sender's lines run in file order, each spending the change of the previous one,
// which is tracked locally (a fresh GET of the balance would not show an unfinalized change
// output yet). A sender's next transfer is submitted once the previous one is optimistic; a
// node that admits only finalized outputs at its door (unknown_input for the change) gets the
// transfer again once the parent is final. Different senders run concurrently.
#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/args.hpp"
#include "cli/shard_route.hpp"
#include "cli/tx_wallet.hpp"
#include "cli/wallet_journal.hpp"
#include "cli/user_file.hpp"

namespace ios::cli {

namespace {

inline constexpr std::size_t batch_lines_max = 1'000'000;
inline constexpr std::size_t batch_bytes_max = std::size_t{512} << 20;  // a million lines of ~200 bytes and room
inline constexpr std::size_t batch_senders_parallel_max = 32;

struct BatchLine {
  std::size_t line = 0;
  std::string from;
  chain::Address to;
  chain::Amount amount = 0;
  chain::Amount fee = default_fee;
  WaitLevel level = WaitLevel::final;
};

std::string amount_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  return "<" + v.dump() + ">";
}

BatchLine parse_line(const std::string& home, const std::string& text, std::size_t n, WaitLevel default_level) {
  const std::string where = "line " + std::to_string(n);
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) throw Failure(Exit::usage, where + ": not a JSON object");
  for (const char* key : {"from", "to", "amount"}) {
    if (!doc.contains(key)) throw Failure(Exit::usage, where + ": missing \"" + key + "\"");
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "from" && key != "to" && key != "amount" && key != "fee" && key != "wait")
      throw Failure(Exit::usage, where + ": unknown field \"" + key + "\"");
  }
  if (!doc["from"].is_string() || !doc["to"].is_string()) throw Failure(Exit::usage, where + ": \"from\" and \"to\" must be strings");
  BatchLine l;
  l.line = n;
  l.from = doc["from"].get<std::string>();
  l.to = resolve_recipient(home, doc["to"].get<std::string>());
  l.amount = parse_amount_arg(where + " amount", amount_text(doc["amount"]));
  if (l.amount == 0) throw Failure(Exit::usage, where + ": amount must be at least 1");
  if (doc.contains("fee")) l.fee = parse_amount_arg(where + " fee", amount_text(doc["fee"]));
  l.level = default_level;
  if (doc.contains("wait")) {
    if (!doc["wait"].is_string()) throw Failure(Exit::usage, where + ": \"wait\" must be a string");
    l.level = parse_wait_level(where + " wait", doc["wait"].get<std::string>());
  }
  return l;
}

std::vector<BatchLine> read_batch(const std::string& home, const std::string& path, WaitLevel default_level) {
  std::istringstream in(read_user_file("batch file", path, batch_bytes_max));
  std::vector<BatchLine> lines;
  std::string text;
  for (std::size_t n = 1; std::getline(in, text); ++n) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (lines.size() == batch_lines_max) throw Failure(Exit::usage, path + ": more than " + std::to_string(batch_lines_max) + " lines");
    lines.push_back(parse_line(home, text, n, default_level));
  }
  return lines;
}

// Text and ndjson print each result as it completes (a long batch shows progress); -o json
// keeps them for the one document printed at the end, in file order.
class BatchReport {
 public:
  explicit BatchReport(const Globals& g) : g_(g) {}

  void line(std::size_t n, const Outcome& out) {
    std::lock_guard lock(mutex_);
    (out.ok() ? ok_ : failed_)++;
    if (g_.format == Format::text) {
      std::cout << "line " << n << ": " << outcome_text(out) << '\n';
      std::cout.flush();
      return;
    }
    auto doc = outcome_json(out);
    doc["line"] = n;
    doc["ok"] = out.ok();
    if (g_.format == Format::json) {
      results_.push_back(std::move(doc));
      return;
    }
    doc["schema"] = "ios.tx.send.v1";
    std::cout << doc.dump() << '\n';
    std::cout.flush();
  }
  std::size_t ok() const { return ok_; }
  std::size_t failed() const { return failed_; }
  nlohmann::json results() const {
    auto sorted = results_;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a["line"] < b["line"]; });
    return sorted;
  }

 private:
  const Globals& g_;
  std::mutex mutex_;
  std::size_t ok_ = 0;
  std::size_t failed_ = 0;
  nlohmann::json results_ = nlohmann::json::array();
};

struct InFlight {
  chain::Tx tx;
  std::size_t line = 0;
  WaitLevel level = WaitLevel::final;
  Clock::time_point submitted_at;
  Outcome out;
};

// One sender's lines, in order, on one thread.
class SenderRun {
 public:
  SenderRun(const Globals& g, const Sender& sender, std::vector<const BatchLine*> lines, const TxTarget& target,
            std::uint64_t timeout_ms, BatchReport& report)
      : g_(g), sender_(sender), lines_(std::move(lines)), route_(g, target), chain_id_(target.chain_id_bytes()),
        timeout_(timeout_ms), report_(report) {}

  void run() {
    auto coins = fetch_coins_or_report();
    if (!coins) return;
    coins_ = std::move(*coins);
    for (const auto* l : lines_) {
      send_line(*l);
      poll_in_flight(false);
    }
    journal_->keep(true);  // the next process of this sender may go on
    poll_in_flight(true);
  }

 private:
  // The sender's coins as `ios tx send` sees them: its unfinished transfers of earlier
  // processes settled and counted (wallet_journal.hpp), the journal held until every line is sent.
  std::optional<std::vector<Coin>> fetch_coins_or_report() {
    try {
      journal_.emplace(g_, wallet_dir(devnet_home(g_)), sender_.address, timeout_);
      settle_unfinished(route_.client(), *journal_);
      return apply_unfinished(fetch_coins(route_.client(), sender_.address), journal_->entries(), sender_.address);
    } catch (const Failure& f) {
      for (const auto* l : lines_) {
        Outcome out;
        out.unreachable = f.exit() == Exit::unreachable;
        out.error = f.what();
        report_.line(l->line, out);
      }
      return std::nullopt;
    }
  }

  void send_line(const BatchLine& l) {
    InFlight f{{}, l.line, l.level, Clock::now(), {}};
    auto t = build_transfer(sender_, coins_, l.to, l.amount, l.fee, chain_id_);
    if (!t) {
      f.out.state = rpc::TxState::rejected;
      f.out.reason = "insufficient funds for line " + std::to_string(l.line) + " (after this sender's earlier lines)";
      report_.line(l.line, f.out);
      return;
    }
    const auto deadline = f.submitted_at + std::chrono::milliseconds(timeout_);
    // Recorded before it is sent (wallet_journal.hpp); dropped again only on a refusal.
    journal_->add(t->tx);
    journal_->keep(false);
    bool accepted = submit_transfer(route_, t->tx, f.out);
    if (!accepted && f.out.reason.rfind("unknown_input", 0) == 0 && wait_for_parents(*t, deadline)) {
      f.out = Outcome{};
      accepted = submit_transfer(route_, t->tx, f.out);
    }
    if (!accepted && f.out.state == rpc::TxState::rejected) {
      journal_->forget(t->hash);
      journal_->keep(false);
    }
    if (!accepted) {
      // Refused at the door: nothing was spent, unless the refusal says an input is gone.
      if (f.out.reason.rfind("unknown_input", 0) != 0 && f.out.reason.rfind("double_spend", 0) != 0) restore(*t);
      report_.line(l.line, f.out);
      return;
    }
    if (t->change) {
      coins_.push_back(*t->change);
      unconfirmed_.insert(t->hash);
    }
    // The next line may spend this change only once a producer vouched for this transfer.
    follow_transfer(route_, std::min(l.level, WaitLevel::optimistic), f.submitted_at, deadline, f.out, &t->tx);
    f.tx = std::move(t->tx);
    in_flight_.push_back(std::move(f));
  }

  // Waits until every unconfirmed parent of `t` is final; false if one failed or time ran out.
  bool wait_for_parents(const Transfer& t, Clock::time_point deadline) {
    bool waited = false;
    for (const auto& c : t.spent) {
      if (!unconfirmed_.count(c.point.tx)) continue;
      Outcome parent;
      parent.hash = c.point.tx;
      parent.state = rpc::TxState::pending;
      follow_transfer(route_, WaitLevel::final, Clock::now(), deadline, parent);
      if (parent.state != rpc::TxState::final) return false;
      unconfirmed_.erase(c.point.tx);
      waited = true;
    }
    return waited;
  }

  void restore(const Transfer& t) { coins_.insert(coins_.end(), t.spent.begin(), t.spent.end()); }

  static bool settled(const InFlight& f) {
    return reached(f.out.state, f.level) || f.out.state == rpc::TxState::rejected || !f.out.error.empty() || f.out.timed_out;
  }

  // Reports every in-flight transfer that reached its level or failed; `drain` waits for all.
  void poll_in_flight(bool drain) {
    while (!in_flight_.empty()) {
      for (auto it = in_flight_.begin(); it != in_flight_.end();) {
        if (!settled(*it)) {
          observe_transfer(route_, it->submitted_at, it->out, &it->tx);
          if (!settled(*it) && Clock::now() >= it->submitted_at + std::chrono::milliseconds(timeout_)) it->out.timed_out = true;
        }
        if (!settled(*it)) {
          ++it;
          continue;
        }
        if (it->out.state == rpc::TxState::final) unconfirmed_.erase(*it->out.hash);
        report_.line(it->line, it->out);
        it = in_flight_.erase(it);
      }
      if (!drain || in_flight_.empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(tx_poll_interval_ms));
    }
  }

  const Globals& g_;
  const Sender& sender_;
  std::optional<WalletJournal> journal_;
  std::vector<const BatchLine*> lines_;
  ShardRoute route_;  // a node of the sender's shard, followed when it moves
  core::Bytes chain_id_;
  std::uint64_t timeout_;
  BatchReport& report_;
  std::vector<Coin> coins_;
  std::set<core::Hash32> unconfirmed_;  // our transfers whose change we hold but that are not final
  std::vector<InFlight> in_flight_;
};

void run_batch(const Globals& g, const std::string& file, const std::string& wait, const std::string& timeout,
               const PasswordSource& password) {
  const auto level = parse_wait_level("--wait", wait);
  const auto timeout_ms = parse_duration_ms("--timeout", timeout);
  const auto home = devnet_home(g);
  const auto lines = read_batch(home, file, level);
  std::map<std::string, std::vector<const BatchLine*>> by_sender;
  for (const auto& l : lines) by_sender[l.from].push_back(&l);
  std::map<std::string, Sender> senders;
  for (const auto& [name, unused] : by_sender) senders.emplace(name, load_sender(home, name, password));
  // Each sender's transfers go to a node of its shard: one walk over the nodes finds them all.
  std::map<std::uint32_t, TxTarget> by_shard;
  for (auto& t : targets_per_shard(g)) by_shard.emplace(t.shard, std::move(t));
  const auto shards = by_shard.begin()->second.shards;
  const auto target_of = [&](const Sender& s) -> const TxTarget& {
    const auto shard = s.address.shard(shards);
    auto it = by_shard.find(shard);
    // No answering node of that shard (or --rpc serves another): the lookup says why.
    if (it == by_shard.end()) it = by_shard.emplace(shard, find_shard_target(g, shard, s.name + " lives in")).first;
    return it->second;
  };
  for (const auto& [name, sender] : senders) (void)target_of(sender);
  std::string via;
  for (const auto& [shard, t] : by_shard) via += (via.empty() ? "" : ", ") + t.rpc_url;
  note(g, "tx batch: " + std::to_string(lines.size()) + " transfers from " + std::to_string(senders.size()) + " senders via " +
              via);

  BatchReport report(g);
  std::vector<std::unique_ptr<SenderRun>> runs;
  for (auto& [name, own] : by_sender)
    runs.push_back(std::make_unique<SenderRun>(g, senders.at(name), own, target_of(senders.at(name)), timeout_ms, report));
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < std::min(runs.size(), batch_senders_parallel_max); ++w) {
    workers.emplace_back([&] {
      try {
        for (std::size_t i = next++; i < runs.size(); i = next++) runs[i]->run();
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failure) std::rethrow_exception(failure);

  nlohmann::json summary{{"total", lines.size()}, {"ok", report.ok()}, {"failed", report.failed()}};
  const std::string failed_text =
      std::to_string(report.failed()) + " of " + std::to_string(lines.size()) + " lines failed";
  if (g.format == Format::json) {
    // One document: the results inside; a failed line makes it the error document (exit 5).
    summary["results"] = report.results();
    if (report.failed() > 0) throw Failure(Exit::failed_on_chain, failed_text, summary);
    emit(g, "ios.tx.batch.v1", summary, "");
    return;
  }
  // Text and ndjson: the summary is the last line of the stream, also when a line failed.
  emit(g, "ios.tx.batch.summary.v1", summary,
       "batch: " + std::to_string(lines.size()) + " lines, " + std::to_string(report.ok()) + " ok, " +
           std::to_string(report.failed()) + " failed");
  if (report.failed() > 0) throw Failure::after_output(Exit::failed_on_chain, failed_text);
}

}  // namespace

void register_tx_batch(CLI::App& tx, Globals& g) {
  struct Args {
    std::string file;
    std::string wait = "final";
    std::string timeout = "30s";
    PasswordSource password;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = tx.add_subcommand("batch", "Submit the transfers of an NDJSON file; one result per line, then a summary");
  cmd->add_option("file", args->file, "NDJSON file: {\"from\",\"to\",\"amount\",\"fee\"?,\"wait\"?} per line")->required();
  cmd->add_option("--wait", args->wait, "Default wait level of a line: none, optimistic or final")->capture_default_str();
  cmd->add_option("--timeout", args->timeout, "Per-line wait limit (units ms, s, m)")->capture_default_str();
  add_password_flags(cmd, args->password, false);
  cmd->footer(
      "Exit 5 if any line failed (refused, excluded, timed out), 2 for a malformed file (nothing is sent then).\n"
      "-o ndjson: one result per line, then the summary as the last line; -o json: one document with \"results\".\n"
      "A line that was never sent (its sender cannot pay for it) has no \"hash\", only its \"reason\".\n"
      "Example:\n  ios tx batch transfers.ndjson -o ndjson");
  cmd->callback([args, &g] { run_batch(g, args->file, args->wait, args->timeout, args->password); });
}

}  // namespace ios::cli
