// ios tx load --tps R --duration D: a load generator against a running devnet that reports
// offered versus achieved throughput and optimistic and final latency (docs/CLI.md "ios tx").
//
// Plan: every account first splits one coin into K equal outputs (a fan-out transfer, waited
// until final), then K chains of transfers per account are signed before the clock starts —
// each spends the previous one's change — so signing costs nothing during the measurement.
// Several chains per account keep the offered rate reachable even when a node admits only
// finalized outputs at its door: a chain then moves one transfer per final block, and K chains
// per account move K.
//
// Run: submitter threads take ticks at R per second, each tick the next ready chain in
// round-robin order, through keep-alive HTTP clients (a fresh connection per request would
// cost a TIME_WAIT socket each at thousands per second). A tick with no ready chain is counted
// as skipped: the report says what was really offered. One poller per node follows the head of
// each chain (a child is final only after its parent, so the head is the only transfer worth
// asking about) and the newest transfer (for optimistic latency), every 20 ms.
//
// Shards move (TransEpoch): a node answers wrong_shard once it has left a chain's shard, and
// the chain goes on through a node that serves that shard now, as a watcher thread sees the
// nodes' statuses every shard_watch_interval_ms; between_segments (the shard's next segment
// starts with the next epoch record) offers the same transfer again at the chain's next turn.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "cli/args.hpp"
#include "cli/tx_load_plan.hpp"
#include "cli/tx_wallet.hpp"
#include "node/rpc/client.hpp"
#include "node/rpc/documents.hpp"
#include "node/rpc/http.hpp"
#include "node/rpc/request.hpp"

namespace ios::cli {

namespace {

inline constexpr std::uint64_t shard_watch_interval_ms = 500;
// For this long after a chain moves to another node, that node may not have applied the final
// block that created the chain's coin yet: unknown_input then means "not yet", and the same
// transfer is offered again.
inline constexpr std::uint64_t reroute_settle_ms = 10'000;

// One keep-alive connection to one node; used by one thread at a time.
class NodeLink {
 public:
  explicit NodeLink(const std::string& url) : http_(url) {
    http_.set_keep_alive(true);
    http_.set_connection_timeout(2, 0);
    http_.set_read_timeout(10, 0);
    http_.set_write_timeout(5, 0);
    http_.set_tcp_nodelay(true);
  }

  enum class Submit { accepted, refused, unreachable };
  Submit submit(const chain::Tx& tx, std::string& reason) {
    auto res = http_.Post("/v1/tx", rpc::submit_body(tx).dump(), "application/json");
    if (!res) return Submit::unreachable;
    if (res->status == 202 || res->status == 200) return Submit::accepted;
    auto doc = nlohmann::json::parse(res->body, nullptr, false);
    reason = doc.is_object() && doc.contains("error") && doc["error"].is_object() && doc["error"].value("message", "") != ""
                 ? doc["error"]["message"].get<std::string>()
                 : "HTTP " + std::to_string(res->status);
    return Submit::refused;
  }

  std::optional<rpc::TxStatus> status(const core::Hash32& hash) {
    auto res = http_.Get(("/v1/tx/" + core::to_hex(hash)).c_str());
    if (!res) return std::nullopt;
    if (res->status == 404) return rpc::TxStatus{hash, rpc::TxState::unknown, {}, {}};
    auto doc = nlohmann::json::parse(res->body, nullptr, false);
    if (res->status != 200 || !doc.is_object()) return std::nullopt;
    auto s = rpc::decode_tx_status_document(doc);
    if (!s || s->hash != hash) return std::nullopt;
    return *s;
  }

 private:
  httplib::Client http_;
};

struct TxRecord {
  Clock::time_point submitted_at;
  Clock::time_point last_sent;
  std::optional<std::uint64_t> optimistic_ms;
  std::optional<std::uint64_t> final_ms;
};

struct ChainRun {
  LoadChain plan;
  std::vector<TxRecord> records;  // one per accepted transfer
  std::size_t final_upto = 0;     // transfers [0, final_upto) are final
  bool busy = false;              // a submission is in flight
  bool dead = false;              // a transfer was refused or rejected: the rest would fail too
  bool needs_final_parent = false;
  std::optional<Clock::time_point> rerouted_at;  // when it last moved to another node
};

std::uint64_t ms_since(Clock::time_point since, Clock::time_point now = Clock::now()) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count());
}

nlohmann::json percentiles(std::vector<std::uint64_t> v) {
  if (v.empty()) return {{"p50", nullptr}, {"p99", nullptr}, {"count", 0}};
  std::sort(v.begin(), v.end());
  auto at = [&v](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
  return {{"p50", at(0.50)}, {"p99", at(0.99)}, {"count", v.size()}};
}

class LoadRun {
 public:
  LoadRun(std::vector<std::string> nodes, std::vector<std::uint32_t> node_shard, std::vector<LoadChain> chains,
          const LoadOptions& o)
      : nodes_(std::move(nodes)), node_shard_(std::move(node_shard)), o_(o) {
    for (auto& c : chains) chains_.push_back(ChainRun{std::move(c), {}, 0, false, false, false, std::nullopt});
  }

  nlohmann::json run() {
    t0_ = Clock::now();
    std::thread watcher([this] { watch_shards(); });
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < o_.clients; ++c) threads.emplace_back([this] { submit_loop(); });
    for (std::size_t n = 0; n < nodes_.size(); ++n) threads.emplace_back([this, n] { poll_loop(n); });
    for (auto& t : threads) t.join();
    done_ = true;
    watcher.join();
    return report();
  }

 private:
  // The shard each node serves, as its status says, by the wallet's one rule (serves(): not
  // joining, a segment of it running); none while it joins or is between segments. A node that
  // does not answer keeps its last.
  void watch_shards() {
    std::vector<std::unique_ptr<rpc::RpcClient>> clients;
    for (const auto& url : nodes_) clients.push_back(std::make_unique<rpc::RpcClient>(url, 1000));
    while (!done_) {
      for (std::size_t n = 0; n < clients.size() && !done_; ++n) {
        auto st = clients[n]->status();
        const auto t = st ? target_of(nodes_[n], *st) : std::nullopt;
        if (!t) continue;
        std::lock_guard lock(mutex_);
        node_shard_[n] = serves(*t, t->shard) ? t->shard : serves_no_shard;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(shard_watch_interval_ms));
    }
  }

  // The chain's node left its shard: the next node (in order after it) that serves the shard
  // now takes the chain; none known yet, the chain stays and is offered again. Under mutex_.
  void reroute(ChainRun& c) {
    for (std::size_t k = 1; k <= nodes_.size(); ++k) {
      const auto n = (c.plan.node + k) % nodes_.size();
      if (node_shard_[n] != c.plan.shard) continue;
      if (n != c.plan.node) {
        ++rerouted_;
        c.rerouted_at = Clock::now();
      }
      c.plan.node = n;
      return;
    }
  }

  std::size_t node_of(const ChainRun& c) {
    std::lock_guard lock(mutex_);
    return c.plan.node;
  }

  // The next chain at or after `start` whose next transfer may go now; nullptr if none.
  ChainRun* ready_chain(std::size_t start) {
    for (std::size_t k = 0; k < chains_.size(); ++k) {
      auto& c = chains_[(start + k) % chains_.size()];
      if (c.busy || c.dead || c.records.size() == c.plan.transfers.size()) continue;
      const bool parent_pending = !c.records.empty() && c.final_upto < c.records.size();
      if (parent_pending && (!chain_optimistic_ || c.needs_final_parent)) continue;
      return &c;
    }
    return nullptr;
  }

  void submit_loop() {
    std::vector<std::unique_ptr<NodeLink>> links;
    for (const auto& url : nodes_) links.push_back(std::make_unique<NodeLink>(url));
    const double interval_ms = 1000.0 / o_.tps;
    for (;;) {
      const std::uint64_t tick = next_tick_++;
      if (tick >= o_.total) break;
      std::this_thread::sleep_until(t0_ + std::chrono::microseconds(static_cast<std::int64_t>(std::llround(
                                              static_cast<double>(tick) * interval_ms * 1000.0))));
      std::unique_lock lock(mutex_);
      ChainRun* c = ready_chain(static_cast<std::size_t>(tick));
      if (c == nullptr) {
        ++skipped_;
        continue;
      }
      c->busy = true;
      const auto& t = c->plan.transfers[c->records.size()];
      const auto node = c->plan.node;
      lock.unlock();
      std::string reason;
      const auto at = Clock::now();
      const auto result = links[node]->submit(t.tx, reason);
      lock.lock();
      c->busy = false;
      on_submitted(*c, result, reason, at);
    }
    std::lock_guard lock(mutex_);
    submitters_done_++;
  }

  void on_submitted(ChainRun& c, NodeLink::Submit result, const std::string& reason, Clock::time_point at) {
    if (result == NodeLink::Submit::accepted) {
      c.records.push_back(TxRecord{at, at, {}, {}});
      c.needs_final_parent = false;
      ++submitted_;
      return;
    }
    if (result == NodeLink::Submit::unreachable) {
      ++unreachable_;
      return;  // the same transfer is offered again at the chain's next turn
    }
    if (refused_for(reason, core::Reject::wrong_shard)) {
      reroute(c);  // and offered again at its next turn
      return;
    }
    if (refused_for(reason, core::Reject::between_segments)) {
      ++deferred_;
      return;
    }
    if (refused_for(reason, core::Reject::unknown_input) && c.rerouted_at && ms_since(*c.rerouted_at) < reroute_settle_ms) {
      ++deferred_;  // the new node has not applied the chain's coin yet
      return;
    }
    const bool parent_pending = !c.records.empty() && c.final_upto < c.records.size();
    if (reason.rfind("unknown_input", 0) == 0 && parent_pending) {
      // This node admits only finalized outputs: from now on every chain waits for finality.
      chain_optimistic_ = false;
      c.needs_final_parent = true;
      return;
    }
    ++rejected_;
    c.dead = true;
    if (first_rejection_.empty()) first_rejection_ = reason;
  }

  void poll_loop(std::size_t node) {
    NodeLink link(nodes_[node]);
    for (;;) {
      const auto pass_start = Clock::now();
      bool outstanding = false;
      for (auto& c : chains_) {
        if (node_of(c) != node) continue;
        outstanding |= poll_chain(link, c);
      }
      std::unique_lock lock(mutex_);
      const bool submitting = submitters_done_ < o_.clients;
      // A chain may move to this node later (reroute): it stays while any chain is open.
      if (!outstanding)
        outstanding = std::any_of(chains_.begin(), chains_.end(), [this](const ChainRun& c) {
          if (c.dead || c.final_upto >= c.records.size() || o_.level == WaitLevel::none) return false;
          return o_.level == WaitLevel::final || !c.records.back().optimistic_ms;
        });
      lock.unlock();
      if (!submitting && (!outstanding || o_.level == WaitLevel::none || Clock::now() >= drain_deadline())) break;
      std::this_thread::sleep_until(pass_start + std::chrono::milliseconds(tx_poll_interval_ms));
    }
  }

  Clock::time_point drain_deadline() const {
    return t0_ + std::chrono::milliseconds(o_.duration_ms + o_.drain_ms);
  }

  // Follows the chain's head towards final and its newest transfer towards optimistic. True
  // while something it submitted has not reached the wait level.
  bool poll_chain(NodeLink& link, ChainRun& c) {
    for (;;) {
      std::unique_lock lock(mutex_);
      const std::size_t head = c.final_upto;
      const std::size_t count = c.records.size();
      if (head >= count) return false;
      const auto newest = count - 1;
      const auto hash = c.plan.transfers[head].hash;
      const bool newest_open = newest > head && !c.records[newest].optimistic_ms;
      const auto newest_hash = c.plan.transfers[newest].hash;
      lock.unlock();
      auto s = link.status(hash);
      const auto now = Clock::now();
      lock.lock();
      if (!s) return true;
      // Another poller took the chain over meanwhile (a reroute) and moved its head on.
      if (c.final_upto != head) continue;
      auto& r = c.records[head];
      // Latency samples only from a transfer seen while optimistic: one first seen final says
      // nothing about when its receipt came.
      if (s->state == rpc::TxState::optimistic && !r.optimistic_ms) r.optimistic_ms = ms_since(r.submitted_at, now);
      if (s->state == rpc::TxState::rejected) {
        ++rejected_;
        if (first_rejection_.empty()) first_rejection_ = s->reason;
        c.dead = true;
        c.final_upto = count;
        return false;
      }
      if (s->state == rpc::TxState::final) {
        r.final_ms = ms_since(r.submitted_at, now);
        last_final_ = std::max(last_final_, now);
        ++c.final_upto;
        continue;  // the next one may be final already
      }
      const bool stale = resubmit_due(s->state, ms_since(r.last_sent, now));
      if (stale) {
        r.last_sent = now;
        ++resubmitted_;
      }
      lock.unlock();
      if (stale) {
        std::string reason;  // lost on the way: the same bytes again
        if (link.submit(c.plan.transfers[head].tx, reason) == NodeLink::Submit::refused &&
            refused_for(reason, core::Reject::wrong_shard)) {
          lock.lock();
          reroute(c);  // the node left the shard: ask one that serves it
          return true;
        }
      }
      if (newest_open) {
        auto n = link.status(newest_hash);
        const auto seen = Clock::now();
        lock.lock();
        if (n && n->state == rpc::TxState::optimistic && !c.records[newest].optimistic_ms)
          c.records[newest].optimistic_ms = ms_since(c.records[newest].submitted_at, seen);
        lock.unlock();
      }
      if (o_.level == WaitLevel::optimistic) {
        lock.lock();
        return !c.records[count - 1].optimistic_ms;
      }
      return true;
    }
  }

  nlohmann::json report() const {
    std::vector<std::uint64_t> opt, fin;
    std::uint64_t optimistic = 0, finals = 0;
    for (const auto& c : chains_) {
      for (const auto& r : c.records) {
        if (r.optimistic_ms) opt.push_back(*r.optimistic_ms);
        if (r.final_ms) fin.push_back(*r.final_ms);
        optimistic += r.optimistic_ms || r.final_ms ? 1 : 0;
        finals += r.final_ms ? 1 : 0;
      }
    }
    const double window_ms = std::max<double>(static_cast<double>(o_.duration_ms),
                                              finals > 0 ? static_cast<double>(ms_since(t0_, last_final_)) : 0.0);
    nlohmann::json doc{{"offered_tps", o_.tps},
                       {"duration_ms", o_.duration_ms},
                       {"accounts", o_.accounts},
                       {"chains", chains_.size()},
                       {"nodes", nodes_.size()},
                       {"submitted", submitted_},
                       {"skipped", skipped_},
                       {"optimistic", optimistic},
                       {"final", finals},
                       {"rejected", rejected_},
                       {"unreachable", unreachable_},
                       {"resubmitted", resubmitted_},
                       {"rerouted", rerouted_},
                       {"deferred", deferred_},
                       {"chained_through_optimistic", chain_optimistic_},
                       {"achieved_final_tps", std::round(static_cast<double>(finals) * 10000.0 / window_ms) / 10.0},
                       {"latency_ms", {{"optimistic", percentiles(opt)}, {"final", percentiles(fin)}}}};
    if (!first_rejection_.empty()) doc["first_rejection"] = first_rejection_;
    return doc;
  }

  std::vector<std::string> nodes_;
  std::vector<std::uint32_t> node_shard_;  // under mutex_
  std::atomic<bool> done_{false};
  LoadOptions o_;
  std::vector<ChainRun> chains_;
  Clock::time_point t0_;
  Clock::time_point last_final_{};
  std::mutex mutex_;
  std::atomic<std::uint64_t> next_tick_{0};
  std::size_t submitters_done_ = 0;
  bool chain_optimistic_ = true;
  std::uint64_t submitted_ = 0, skipped_ = 0, rejected_ = 0, unreachable_ = 0, resubmitted_ = 0;
  std::uint64_t rerouted_ = 0, deferred_ = 0;  // chains moved to another node; offers to a shard between segments
  std::string first_rejection_;
};

std::string load_text(const nlohmann::json& d) {
  auto ms = [](const nlohmann::json& p) { return p["p50"].is_null() ? std::string("-") : p["p50"].dump() + "/" + p["p99"].dump(); };
  return "offered " + d["offered_tps"].dump() + " tx/s for " + d["duration_ms"].dump() + " ms over " + d["chains"].dump() +
         " chains: " + d["submitted"].dump() + " submitted (" + d["skipped"].dump() + " ticks skipped), " +
         d["optimistic"].dump() + " optimistic, " + d["final"].dump() + " final, " + d["rejected"].dump() +
         " rejected\nfinal throughput " + d["achieved_final_tps"].dump() + " tx/s; latency p50/p99 ms: optimistic " +
         ms(d["latency_ms"]["optimistic"]) + ", final " + ms(d["latency_ms"]["final"]);
}

}  // namespace

void register_tx_load(CLI::App& tx, Globals& g) {
  struct Args {
    LoadOptions o;
    std::string duration = "10s";
    std::string drain = "30s";
    std::string accounts = "all";
    std::string wait = "final";
  };
  auto args = std::make_shared<Args>();
  auto* cmd = tx.add_subcommand("load", "Offer transfers at a fixed rate; report throughput and latency");
  cmd->add_option("--tps", args->o.tps, "Offered transfers per second")->required()->check(CLI::Range(0.1, 100000.0));
  cmd->add_option("--duration", args->duration, "How long to offer load (units ms, s, m)")->capture_default_str();
  cmd->add_option("--accounts", args->accounts, "Sending accounts of the devnet: all or a count")->capture_default_str();
  cmd->add_option("--wait", args->wait, "After the load, wait until transfers are none, optimistic or final")->capture_default_str();
  cmd->add_option("--timeout", args->drain, "How long to wait after the load (units ms, s, m)")->capture_default_str();
  cmd->add_option("--chains", args->o.chains_per_account, "Chains per account (0: enough for the rate)")->capture_default_str()->check(CLI::Range(0, 63));
  cmd->add_option("--clients", args->o.clients, "Submitting threads, each with keep-alive connections")->capture_default_str()->check(CLI::Range(1, 32));
  cmd->footer(
      "Exit 0 when every submitted transfer reached the wait level, 5 if any was refused or rejected, 4 if some\n"
      "had not when --timeout ran out after the load.\nExample:\n  ios tx load --tps 500 --duration 30s --json");
  cmd->callback([args, &g] {
    auto& o = args->o;
    o.duration_ms = parse_duration_ms("--duration", args->duration);
    o.drain_ms = parse_duration_ms("--timeout", args->drain);
    o.level = parse_wait_level("--wait", args->wait);
    o.accounts = 0;
    if (args->accounts != "all") {
      try {
        o.accounts = static_cast<std::size_t>(std::stoul(args->accounts));
      } catch (...) {
        throw Failure(Exit::usage, "--accounts: expected all or a count, got '" + args->accounts + "'");
      }
      if (o.accounts == 0) throw Failure(Exit::usage, "--accounts must be at least 1");
    }
    o.total = static_cast<std::uint64_t>(std::ceil(o.tps * static_cast<double>(o.duration_ms) / 1000.0));
    auto prepared = prepare_load(g, o);
    note(g, "tx load: " + std::to_string(o.total) + " transfers over " + std::to_string(prepared.chains.size()) + " chains, " +
                std::to_string(prepared.nodes.size()) + " nodes");
    LoadRun run(prepared.nodes, prepared.node_shard, std::move(prepared.chains), o);
    auto doc = run.run();
    // A shortfall is still a measurement: people see the report too, JSON carries it as details.
    if (g.format == Format::text) std::cout << load_text(doc) << std::endl;
    if (doc["rejected"].get<std::uint64_t>() > 0)
      throw Failure(Exit::failed_on_chain, doc["rejected"].dump() + " transfers were refused or rejected: " + doc.value("first_rejection", ""), doc);
    const auto reached_count = o.level == WaitLevel::final ? doc["final"] : o.level == WaitLevel::optimistic ? doc["optimistic"] : doc["submitted"];
    if (reached_count != doc["submitted"])
      throw Failure(Exit::timeout, "only " + reached_count.dump() + " of " + doc["submitted"].dump() + " transfers became " +
                                       std::string(to_string(o.level)) + " within --timeout", doc);
    if (g.format != Format::text) emit(g, "ios.tx.load.v1", doc, load_text(doc));
  });
}

}  // namespace ios::cli
