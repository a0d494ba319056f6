#include "node/runtime/node_runtime.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "contracts/token.hpp"
#include "node/chain/finality.hpp"
#include "node/crypto/keystore.hpp"
#include "node/crypto/keystore_file.hpp"
#include "node/protocol/byzcoin/vote.hpp"
#include "node/protocol/epoch/hosting.hpp"
#include "node/protocol/node/envelope.hpp"
#include "node/protocol/pob/messages.hpp"
#include "node/protocol/transepoch/shard_join.hpp"
#include "node/runtime/chain_documents.hpp"
#include "node/runtime/io_call.hpp"
#include "node/runtime/store_rows.hpp"

namespace ios::runtime {

namespace pob = protocol::pob;

namespace {

// 127.0.0.0/8, ::1 and "localhost": the API's default reach (docs/CLI.md "Binding").
bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

core::Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  if (!std::filesystem::exists(path)) return core::reject(core::Reject::io_error, "not found: " + path.string());
  return crypto::read_text_file(path.string(), max_bytes);
}

}  // namespace

// The RPC side: runs on the server's threads and hands every call to the io thread.
class NodeRuntime::Api final : public rpc::NodeApi {
 public:
  explicit Api(NodeRuntime& node) : node_(node) {}

  nlohmann::json status() override {
    return on_io([this] { return node_.status_json(); });
  }
  rpc::SubmitResult submit(const chain::Tx& tx) override {
    // The witnesses on this RPC thread, off the protocol thread; the state on the io thread.
    if (auto s = chain::verify_witnesses(tx, node_.first_setup_->chain_id); !s)
      return {chain::tx_hash(tx), false, s.error().message()};
    return on_io([this, tx] { return node_.submit(tx); });
  }
  rpc::TxStatus tx_status(const core::Hash32& hash) override {
    return on_io([this, hash] {
      const auto tracked = node_.core_->tracker().find(hash);
      if (tracked && tracked->state != rpc::TxState::pending && tracked->state != rpc::TxState::optimistic)
        return *tracked;
      auto row = node_.store_->tx(hash);
      if (row && *row) {
        rpc::TxStatus s{hash,
                        (*row)->status == store::TxStatus::applied ? rpc::TxState::final : rpc::TxState::rejected,
                        (*row)->height,
                        {}};
        if ((*row)->status == store::TxStatus::excluded)
          s.reason = "excluded from final block " + std::to_string((*row)->height);
        return s;
      }
      // A node that joined the shard after the tx was final has no index row for it, but its
      // outputs, while unspent, are in the state it was handed.
      if (node_.core_->has_outputs_of(hash)) return rpc::TxStatus{hash, rpc::TxState::final, std::nullopt, {}};
      if (tracked) return *tracked;
      if (auto refused = node_.core_->tracker().find_refusal(hash)) return *refused;
      return rpc::TxStatus{hash, rpc::TxState::unknown, std::nullopt, {}};
    });
  }
  std::optional<core::Error> misdirected(const chain::Address& a) override {
    // The shards a node serves change with the epochs: asked on the io thread.
    return on_io([this, a]() -> std::optional<core::Error> { return node_.core_->wrong_shard(a); });
  }
  std::optional<nlohmann::json> account(const chain::Address& a) override {
    return on_io([this, a] { return node_.account_json(a); });
  }
  // The store is read on the io thread (its one owner); decoding a block of up to 4 MiB and
  // building its document happen here, on this RPC thread, so a burst of block or tx-body
  // requests cannot hold the protocol thread. Heights are of the shard the node serves now.
  std::optional<nlohmann::json> block(std::optional<std::uint64_t> height) override {
    struct Found {
      core::Bytes bytes;
      std::vector<std::uint32_t> normal;
    };
    auto found = on_io([this, height]() -> std::optional<Found> {
      const auto serving = node_.serving();
      if (!serving) return std::nullopt;
      const auto shard = serving->key.shard;
      auto h = height;
      if (!h) {
        auto last = node_.store_->last_height(shard);
        if (!last || !*last) return std::nullopt;
        h = **last;
      }
      auto bytes = node_.stored_block(shard, *h);
      if (!bytes) return std::nullopt;
      return Found{std::move(*bytes), node_.normal_league_of(shard, *h)};
    });
    if (!found) return std::nullopt;
    const auto block = decode_stored_block(found->bytes);
    return block_document(block.final, block.proposed, found->normal);
  }
  // The rows are read on the io thread; decoding them and building the document happen here,
  // on this RPC thread (genesis_ never changes after run() started).
  std::optional<nlohmann::json> epoch_chain(std::optional<std::uint64_t> epoch) override {
    auto found = on_io([this, epoch] { return node_.epoch_rows(epoch); });
    if (!found) return std::nullopt;
    auto entries = protocol::epoch::stored_chain(found->rows, node_.genesis_->validators.size());
    IOS_ASSERT(entries.size() == found->epoch);  // records are adopted in order, each persisted first
    return nlohmann::json{{"epoch", found->epoch}, {"chain", protocol::epoch::to_json(*node_.genesis_, entries)}};
  }
  std::optional<nlohmann::json> tx_body(const core::Hash32& hash) override {
    auto found = on_io([this, hash] { return node_.find_tx(hash); });
    std::optional<nlohmann::json> doc;
    if (found.pending) {
      doc = tx_document(*found.pending);
    } else if (found.height) {
      const auto block = decode_stored_block(found.block);
      for (const auto* tx : block_txs(block.proposed)) {
        if (chain::tx_hash(*tx) != hash) continue;
        doc = tx_document(*tx);
        (*doc)["height"] = *found.height;
        break;
      }
    }
    if (!doc) return std::nullopt;
    // The believable validator's receipt, when this node submitted it and received one.
    if (found.receipt)
      (*doc)["receipt"] = {{"producer", core::to_hex(found.receipt->producer)},
                           {"optimistic_block", core::to_hex(found.receipt->optimistic_block)}};
    return doc;
  }
  std::string metrics() override {
    return on_io([this] {
      const auto& n = node_;
      const auto& ts = n.transport_->stats();
      std::string m;
      auto line = [&m](const char* name, const char* help, std::uint64_t v) {
        m += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " +
             std::to_string(v) + "\n";
      };
      const auto serving = n.serving();
      line("ios_height", "Final blocks applied (the shard this node serves)",
           serving ? serving->validator->ledger().height() : 0);
      line("ios_view", "Current ByzCoin view", serving ? serving->validator->engine().view() : 0);
      line("ios_txs_submitted_total", "Transactions this node's door took (POST /v1/tx)", n.core_->tracker().submitted_count());
      line("ios_txs_final_total", "Submitted transactions seen final", n.core_->tracker().final_count());
      line("ios_txs_rejected_total", "Submitted transactions rejected or excluded", n.core_->tracker().rejected_count());
      line("ios_peers_connected", "Authenticated peer connections", n.transport_->connected_peers());
      line("ios_p2p_frames_in_total", "Frames received", ts.frames_in);
      line("ios_p2p_frames_out_total", "Frames sent", ts.frames_out);
      line("ios_p2p_bytes_in_total", "Frame payload bytes received", ts.bytes_in);
      line("ios_p2p_bytes_out_total", "Frame payload bytes sent", ts.bytes_out);
      line("ios_p2p_rejected_frames_total", "Malformed or oversized frames", ts.rejected_frames);
      line("ios_p2p_rejected_handshakes_total", "Failed handshakes", ts.rejected_handshakes);
      line("ios_inputs_total", "Protocol core inputs processed", n.inputs_);
      line("ios_receipts_refused_total", "Receipts refused: wrong shard, epoch, sender or signature",
           n.core_->counters().receipts_refused);
      line("ios_receipts_dropped_total",
           "Receipts dropped: late, for no pending submission, a second at once for one tx, or over the check limit",
           n.core_->counters().receipts_dropped);
      line("ios_client_messages_refused_total",
           "Client-protocol messages from peers: malformed, or a ClientSubmit (this node takes submissions on its API)",
           n.core_->counters().bad_messages);
      line("ios_peer_messages_bad_envelope_total", "Peer messages whose envelope did not open",
           n.core_->node().counters().bad_envelopes);
      line("ios_peer_messages_no_instance_total", "Peer messages for a shard or epoch this node does not run",
           n.core_->node().counters().no_instance);
      return m;
    });
  }

 private:
  // Arguments are captured by value (io_call.hpp says why).
  template <class F>
  auto on_io(F f) -> decltype(f()) {
    return call_on_io(node_.io_, node_.ready_, api_wait_max, std::move(f));
  }
  NodeRuntime& node_;
};

core::Result<std::unique_ptr<NodeRuntime>> NodeRuntime::open(const std::filesystem::path& home,
                                                             RuntimeOptions options) {
  auto config = load_node_config(home);
  if (!config) return config.error();
  std::unique_ptr<NodeRuntime> n(new NodeRuntime());
  n->home_ = home;
  n->config_ = *config;
  n->options_ = options;
  n->log_ = std::make_unique<NodeLog>(options.log_level, options.log_format);

  auto genesis_text = read_file(home / n->config_.genesis, chain::genesis_json_bytes_max);
  if (!genesis_text) return genesis_text.error();
  auto genesis = chain::parse_genesis(*genesis_text);
  if (!genesis) return core::reject(genesis.error().reason, "genesis: " + genesis.error().detail);
  if (n->config_.index >= genesis->validators.size())
    return core::reject(core::Reject::not_in_roster,
                        "index " + std::to_string(n->config_.index) + " is not in the genesis roster");
  // The node serves the shard EDS gives it in epoch 0 (docs/DESIGN.md §4 "EDS").
  const auto randomness = pob::genesis_randomness(*genesis);
  auto assignment = pob::assign_shards(*genesis, randomness);
  if (!assignment) return assignment.error();
  auto setup = pob::ShardSetup::create(*genesis, randomness, assignment->shard_of[n->config_.index], {});
  if (!setup) return setup.error();
  // Hosted only when the genesis runs no epochs: then epoch 0's segment is the shard's chain
  // for good. With epochs, the shard hosting (run()) builds every segment's setup itself.
  setup->ends_with_epoch = false;
  n->first_setup_ = std::make_shared<const pob::ShardSetup>(std::move(*setup));
  n->genesis_ = std::make_shared<const chain::Genesis>(std::move(*genesis));

  auto key_text = read_file(home / n->config_.keystore, 1u << 20);
  if (!key_text) return key_text.error();
  auto identity = crypto::keystore_decrypt(*key_text, "");
  if (!identity) return identity.error();
  if (identity->public_identity().signing != n->first_setup_->signing_key(n->config_.index))
    return core::reject(core::Reject::bad_keystore,
                        "the keystore's key is not validator " + std::to_string(n->config_.index) + "'s");
  n->identity_.emplace(std::move(*identity));
  n->key_ = std::make_shared<const crypto::SigningKey>(n->identity_->signing_key());

  // One process per home: SQLite would let two nodes share a database, and two processes with
  // one validator key could sign conflicting votes. The lock dies with the process.
  n->lock_fd_ = ::open((home / "node.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (n->lock_fd_ < 0 || ::flock(n->lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return core::reject(core::Reject::duplicate, "another ios node is running in " + home.string());
  auto db = store::NodeStore::open((home / n->config_.database).string());
  if (!db) return db.error();
  n->store_.emplace(std::move(*db));
  if (auto s = n->check_vote_history(); !s) return s.error();
  return n;
}

core::Status NodeRuntime::check_vote_history() {
  // docs/security.md "Lost validator database". A validator that has signed anything has persisted
  // it first (rule 6), and the marker is written right after its first durable write. So marker
  // without state means the database was deleted, truncated or swapped: the votes and locks that
  // stop this validator from signing a second, conflicting vote for a height it already voted on
  // are gone. Starting anyway would let a crash-and-restart equivocate; refuse unless the operator
  // says this is a fresh validator.
  const auto marker = home_ / validator_marker_file;
  std::error_code ec;
  const bool has_run = std::filesystem::exists(marker, ec);
  if (ec) return core::reject(core::Reject::io_error, "cannot read " + marker.string() + ": " + ec.message());
  if (!has_run) return core::Ok{};
  auto state = store_->has_state();
  if (!state) return state.error();
  bool has_blocks = false;
  for (std::uint32_t j = 0; j < genesis_->policy.shards && !has_blocks; ++j) {
    auto last = store_->last_height(core::ShardId{j});
    if (!last) return last.error();
    has_blocks = last->has_value();
  }
  if (*state || has_blocks) {
    marker_written_ = true;
    return core::Ok{};
  }
  if (!options_.fresh_validator)
    return core::reject(
        core::Reject::state_lost,
        "this validator has run before (" + marker.string() + ") but its database " +
            (home_ / config_.database).string() +
            " is missing or empty: its vote history is lost, and a restarted validator without it "
            "could sign a second, conflicting vote for a height it already voted on (equivocation). "
            "Restore the database, or pass --fresh-validator if this key has never signed on this chain");
  std::filesystem::remove(marker, ec);  // rewritten at the first durable write of this run
  if (ec) return core::reject(core::Reject::io_error, "cannot remove " + marker.string() + ": " + ec.message());
  return core::Ok{};
}

void NodeRuntime::write_vote_history_marker() {
  const auto text = nlohmann::json{{"schema", "ios.node.has-run.v1"},
                                   {"chain_id", genesis_->chain_id},
                                   {"index", config_.index},
                                   {"database", config_.database}}
                        .dump() +
                    "\n";
  if (auto s = crypto::write_secret_file((home_ / validator_marker_file).string(), text, true); !s) {
    log_->error("fatal", "cannot write the vote-history marker: " + s.error().message());
    std::abort();
  }
  marker_written_ = true;
}

NodeRuntime::~NodeRuntime() {
  if (rpc_) rpc_->stop();
  if (transport_) transport_->stop();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

protocol::TimeMs NodeRuntime::now_ms() {
  // Wall-clock milliseconds (block bodies carry it), never allowed to go backwards.
  const auto now = static_cast<protocol::TimeMs>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  last_now_ms_ = std::max(last_now_ms_, now);
  return last_now_ms_;
}

void NodeRuntime::input(const std::function<void(protocol::Core&, protocol::Effects&)>& call) {
  if (stopping_) return;
  protocol::Effects out;
  ++inputs_;
  call(*core_, out);
  apply(out.take());
  log_view_change();
}

void NodeRuntime::apply(std::vector<protocol::Effect> effects) {
  std::vector<std::pair<std::string, core::Bytes>> batch;
  for (auto& e : effects) {
    if (auto* p = std::get_if<protocol::Persist>(&e)) {
      batch.emplace_back(std::move(p->key), std::move(p->value));
      continue;
    }
    flush_persists(batch);  // durable before anything after it leaves
    if (auto* s = std::get_if<protocol::Send>(&e)) {
      send(s->to, std::move(s->payload));
    } else if (auto* t = std::get_if<protocol::SetTimer>(&e)) {
      set_timer(t->id, t->at_ms);
    } else if (auto* c = std::get_if<protocol::CancelTimer>(&e)) {
      // Its handler still runs, with operation_aborted, and touches only `this` and the id.
      if (auto it = timers_.find(c->id); it != timers_.end()) {
        it->second.timer->cancel();
        timers_.erase(it);
      }
    } else if (auto* d = std::get_if<protocol::Deliver>(&e)) {
      if (d->kind == protocol::deliver_epoch_record) on_epoch_record(d->value);
      else if (d->kind == protocol::deliver_epoch_note) log_->info("epoch", std::string(d->value.begin(), d->value.end()));
      else log_->write(LogLevel::debug, "deliver", d->kind);
    } else if (auto* v = std::get_if<protocol::Verify>(&e)) {
      verify(std::move(*v));
    } else if (auto* b = std::get_if<protocol::BlockApplied>(&e)) {
      on_applied(std::move(*b));
    } else if (auto* l = std::get_if<protocol::Load>(&e)) {
      load(std::move(*l));
    } else if (auto* p = std::get_if<protocol::Prune>(&e)) {
      auto pruned = store_->prune_state(p->prefix);
      if (!pruned) {
        log_->error("fatal", "cannot prune: " + pruned.error().message());
        std::abort();
      }
      if (*pruned > 0)
        log_->info("store", std::to_string(*pruned) + " rows of " + p->prefix + " pruned: no restart replays that segment");
    }
  }
  flush_persists(batch);
}

void NodeRuntime::flush_persists(std::vector<std::pair<std::string, core::Bytes>>& batch) {
  core::Status s = core::Ok{};
  // Every final block reaches the blocks table through its FinalRecord (on_applied; one input
  // may apply several, and their records commit with the first flush); the engine's Persist of
  // the same bytes as a state row would store every block twice (docs/security.md "Unbounded queues
  // and storage").
  std::erase_if(batch, [](const auto& row) {
    const auto scoped = protocol::node::parse_persist_prefix(row.first);
    return scoped && scoped->key.protocol == protocol::node::Protocol::shard &&
           scoped->rest.starts_with(protocol::byzcoin::block_key_prefix);
  });
  if (batch.empty() && pending_finals_.empty()) return;
  if (!pending_finals_.empty()) {
    // The first final record carries the state rows persisted since the last flush: one
    // transaction (rows of this input persisted before an earlier Send are already durable).
    pending_finals_.front().puts = std::move(batch);
    for (auto& r : pending_finals_) {
      s = store_->commit_final(r);
      if (!s) break;
    }
    pending_finals_.clear();
  } else {
    s = store_->put_batch(batch);
  }
  batch.clear();
  if (!s) {
    // The disk refused a write the protocol counts on: continuing could sign something a
    // restart would contradict. Stop loudly.
    log_->error("fatal", "cannot persist: " + s.error().message());
    std::abort();
  }
  if (!marker_written_) write_vote_history_marker();
}

void NodeRuntime::send(protocol::NodeId to, core::Bytes payload) {
  if (to == config_.index) {
    asio::post(io_, [this, p = std::move(payload)]() mutable { on_peer_message(config_.index, std::move(p)); });
    return;
  }
  transport_->send(to, std::move(payload));
}

void NodeRuntime::set_timer(protocol::TimerId id, protocol::TimeMs at_ms) {
  auto& armed = timers_[id];
  if (!armed.timer) armed.timer = std::make_unique<asio::steady_timer>(io_);
  // One counter for all timers: an entry erased and made again must not reuse a generation
  // that a completion still queued from the old entry carries.
  const auto generation = armed.generation = ++timer_generation_;
  const auto now = now_ms();
  armed.timer->expires_after(std::chrono::milliseconds(at_ms > now ? at_ms - now : 0));
  armed.timer->async_wait([this, id, generation](const asio::error_code& ec) {
    if (ec) return;  // cancelled or replaced
    // A completion of an earlier setting that was already queued when the core set the timer
    // again: the current setting decides.
    auto it = timers_.find(id);
    if (it == timers_.end() || it->second.generation != generation) return;
    // Fired: forget it (ByzCoin arms every timer under a fresh id, so keeping them would grow
    // without end). The core sets it again if it wants it again.
    timers_.erase(it);
    input([&](protocol::Core& c, protocol::Effects& out) { c.on_timer(now_ms(), id, out); });
  });
}

void NodeRuntime::verify(protocol::Verify v) {
  asio::post(verifiers_, [this, v = std::move(v)]() mutable {
    auto valid = crypto::verify_each(v.checks);
    asio::post(io_, [this, id = v.id, valid = std::move(valid)]() mutable {
      input([&](protocol::Core& c, protocol::Effects& out) { c.on_verify_done(now_ms(), id, std::move(valid), out); });
    });
  });
}

void NodeRuntime::load(protocol::Load l) {
  // Read now, on the thread that owns the store (the persists before it are flushed), and
  // answer as the core's next input. A shard's final blocks are in the blocks table (the
  // engine's "byzcoin/block/<h>" rows are not written as state rows: flush_persists).
  std::vector<std::optional<core::Bytes>> values;
  std::size_t bytes = 0;
  for (const auto& key : l.keys) {
    if (l.bytes_max != 0 && bytes >= l.bytes_max) break;
    const auto scoped = protocol::node::parse_persist_prefix(key);
    const bool block = scoped && scoped->key.protocol == protocol::node::Protocol::shard &&
                       scoped->rest.starts_with(protocol::byzcoin::block_key_prefix);
    std::uint64_t height = 0;
    if (block) {
      const auto digits = scoped->rest.substr(protocol::byzcoin::block_key_prefix.size());
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), height);
      IOS_ASSERT(ec == std::errc{} && end == digits.data() + digits.size());  // block_key wrote it
    }
    auto value = block ? store_->block(scoped->key.shard, height) : store_->state_value(key);
    if (!value) {
      // The disk refused a read of rows this node wrote: stop loudly, as for a refused write.
      log_->error("fatal", "cannot load " + key + ": " + value.error().message());
      std::abort();
    }
    if (*value) bytes += (*value)->size();
    values.push_back(std::move(*value));
  }
  asio::post(io_, [this, id = l.id, values = std::move(values)]() mutable {
    input([&](protocol::Core& c, protocol::Effects& out) { c.on_loaded(now_ms(), id, std::move(values), out); });
  });
}

void NodeRuntime::on_peer_message(protocol::NodeId from, core::Bytes payload) {
  input([&](protocol::Core& c, protocol::Effects& out) { c.on_message(now_ms(), from, payload, out); });
}

void NodeRuntime::on_applied(protocol::BlockApplied applied) {
  // A block replayed from the store at start is there already, with its index rows.
  if (applied.replayed) return;
  std::vector<store::TxIndexRow> rows;
  std::vector<core::Hash32> applied_sorted = applied.applied;
  std::sort(applied_sorted.begin(), applied_sorted.end());
  final_txs_ += applied.applied.size();
  ++final_blocks_;
  for (const auto& h : applied.applied) {
    rows.push_back({h, applied.height, store::TxStatus::applied, applied.shard});
  }
  for (const auto& h : applied.excluded) {
    if (std::binary_search(applied_sorted.begin(), applied_sorted.end(), h)) continue;
    rows.push_back({h, applied.height, store::TxStatus::excluded, applied.shard});
  }
  // A live block at a height the store already holds: the replay stopped short of the stored
  // chain (a stored block failed its checks). The same block is fine; another one means this
  // node's disk and its network disagree on a final block, and going on would serve both.
  auto last = store_->last_height(applied.shard);
  if (last && *last && **last >= applied.height) {
    const auto stored = stored_block(applied.shard, applied.height);
    const auto decoded = stored ? chain::decode_finalized_block(*stored) : core::Result<chain::FinalizedBlock>(
                                                                              core::reject(core::Reject::io_error, "missing"));
    if (decoded && decoded->hash() == applied.hash) return;
    log_->error("fatal", "final block " + std::to_string(applied.height) + " " + core::to_hex(applied.hash) +
                             " differs from the one this node stored at that height; refusing to go on");
    std::abort();
  }
  store::NodeStore::FinalRecord r;
  r.shard = applied.shard;
  r.segment = protocol::node::persist_prefix({applied.shard, applied.epoch, protocol::node::Protocol::shard, applied.step});
  r.height = applied.height;
  r.joins = applied.joins;  // the store allows the gap before a shard this node joins
  r.hash = applied.hash;
  r.block = std::move(applied.block);
  r.txs = std::move(rows);
  pending_finals_.push_back(std::move(r));
}

std::optional<NodeRuntime::Segment> NodeRuntime::serving() const {
  // Ranked by (running, has a vote or produces, epoch, step): during an epoch that moves the
  // node, the shard it now belongs to speaks for it as soon as its segment runs.
  std::optional<Segment> best;
  std::tuple<bool, bool, std::uint64_t, std::uint32_t> best_rank{};
  for (const auto& [key, v] : core_->node().all<pob::ShardValidator>()) {
    const std::tuple rank{!v->ended(), role_in(*v) != "observer", key.epoch.value, key.step};
    if (!best || rank > best_rank) best = Segment{key, v}, best_rank = rank;
  }
  return best;
}

std::string_view NodeRuntime::role_in(const pob::ShardValidator& v) const {
  if (v.believable()) return "believable";
  const auto& normal = v.setup().normal;
  return std::binary_search(normal.begin(), normal.end(), config_.index) ? "normal" : "observer";
}

std::vector<std::uint32_t> NodeRuntime::normal_league_of(core::ShardId shard, std::uint64_t height) const {
  // The store names the segment of each block; a hosted segment knows its league, and the
  // schedule recomputes any other one from its epoch's record.
  auto segment = store_->block_segment(shard, height);
  IOS_ASSERT(segment.ok() && *segment);  // the io thread's own store, and the block was just read
  const auto scoped = protocol::node::parse_persist_prefix(**segment);
  IOS_ASSERT(scoped && scoped->rest.empty());  // written by on_applied from persist_prefix
  if (const auto* hosted = core_->node().instance<pob::ShardValidator>(scoped->key)) return hosted->setup().normal;
  if (schedule_ && schedule_->knows(scoped->key.epoch.value))
    return schedule_->setup(scoped->key.epoch.value, shard, scoped->key.step)->normal;
  IOS_ASSERT(scoped->key.epoch.value == 0 && shard.value == first_setup_->shard);  // without epochs, one segment
  return first_setup_->normal;
}

std::optional<net::Endpoint> NodeRuntime::resolve(protocol::NodeId id) const {
  for (const auto& p : config_.peers) {
    if (p.index != id) continue;
    if (!p.ports_file.empty()) {
      auto ports = read_ports_file(home_ / p.ports_file);
      if (!ports || ports->p2p == 0) return std::nullopt;
      return net::Endpoint{"127.0.0.1", ports->p2p};
    }
    return net::Endpoint{p.host, p.port};
  }
  return std::nullopt;
}

rpc::SubmitResult NodeRuntime::submit(const chain::Tx& tx) {
  // A node shutting down takes nothing: 503, and the wallet tries again or another node.
  if (stopping_) throw rpc::NodeUnavailable("node is stopping");
  rpc::SubmitResult result;
  input([&](protocol::Core&, protocol::Effects& out) { result = core_->submit(now_ms(), tx, out); });
  return result;
}

std::optional<core::Bytes> NodeRuntime::stored_block(core::ShardId shard, std::uint64_t height) const {
  auto bytes = store_->block(shard, height);
  if (!bytes || !*bytes) return std::nullopt;
  return std::move(**bytes);
}

NodeRuntime::TxLookup NodeRuntime::find_tx(const core::Hash32& hash) const {
  TxLookup found;
  found.receipt = core_->tracker().receipt(hash);
  if (const auto* tx = core_->submitted().find(hash)) {
    found.pending = *tx;
  } else if (auto row = store_->tx(hash); row && *row) {
    if (auto bytes = stored_block((*row)->shard, (*row)->height)) {
      found.height = (*row)->height;
      found.block = std::move(*bytes);
    }
  }
  return found;
}

std::optional<nlohmann::json> NodeRuntime::account_json(const chain::Address& a) const {
  // What the owner can spend now, as far as this node knows: its final outputs that no pending
  // submission spends, and the outputs pending submissions pay it (README "Accounts").
  const auto segment = core_->segment_of(core::ShardId{a.shard(genesis_->policy.shards)});
  if (!segment) return std::nullopt;  // the shard left this node since misdirected() asked
  const auto& ledger = segment->validator->ledger();
  nlohmann::json utxos = nlohmann::json::array();
  chain::Amount spendable = 0;
  const auto list = [&](const chain::OutPoint& op, const chain::TxOutput& out, std::string_view state) {
    if (core_->submitted().spends(op)) return;
    utxos.push_back({{"tx", core::to_hex(op.tx)},
                     {"index", op.index},
                     {"amount", std::to_string(out.amount)},
                     {"state", std::string(state)}});
    spendable += out.amount;
  };
  for (const auto& [op, out] : ledger.state().utxos_of(a)) list(op, out, "final");
  for (const auto& [op, out] : core_->submitted().outputs_to(a)) {
    const auto t = core_->tracker().find(op.tx);
    list(op, out, rpc::to_string(t ? t->state : rpc::TxState::pending));
  }
  return nlohmann::json{{"address", a.to_string()},
                        {"shard", segment->key.shard.value},
                        {"balance", std::to_string(ledger.state().balance(a))},
                        {"spendable", std::to_string(spendable)},
                        {"height", ledger.state().height()},  // the last final block the balance includes
                        {"utxos", utxos}};
}

void NodeRuntime::on_epoch_record(const core::Bytes& signed_record) {
  auto s = protocol::epoch::decode_signed_record(signed_record, genesis_->validators.size());
  IOS_ASSERT(s.ok());  // the epoch core checked it before delivering it
  const auto& r = s->record;
  if (r.epoch != last_epoch_ + 1) return;  // records arrive in order; one known already
  last_epoch_ = r.epoch;
  IOS_ASSERT(schedule_->knows(r.epoch));  // host_shards' succession added it before this Deliver left the core
  // The shard EDS puts this node in for the epoch (TransEpoch moves it there in batches).
  std::uint32_t shard = 0;
  for (std::uint32_t j = 0; j < r.shards.size(); ++j)
    if (std::binary_search(r.shards[j].begin(), r.shards[j].end(), config_.index)) shard = j;
  log_->info("epoch", "epoch " + std::to_string(r.epoch) + " formed: leader " + std::to_string(r.leader) + ", view " +
                          std::to_string(r.view) + ", " + std::to_string(s->signature.mask.count()) + " of " +
                          std::to_string(genesis_->validators.size()) + " co-signed; this node's shard " +
                          std::to_string(shard) + ", in " + std::to_string(schedule_->steps(r.epoch, core::ShardId{shard})) +
                          " steps",
             {{"epoch", r.epoch},
              {"leader", r.leader},
              {"view", r.view},
              {"randomness", core::to_hex(r.randomness)},
              {"shard", shard}});
}

std::optional<NodeRuntime::EpochRows> NodeRuntime::epoch_rows(std::optional<std::uint64_t> epoch) const {
  const auto last = epoch.value_or(last_epoch_);
  if (!schedule_ || last == 0 || last > last_epoch_) return std::nullopt;
  // Records 1..last and last's transcript (absent if the record came from a relay without
  // it): the rows the epoch cores persisted, one SQLite lookup each.
  EpochRows out{last, {}};
  const auto read = [&](std::uint64_t e, const char* name) {
    const auto key = protocol::epoch::epoch_row_key(e, name);
    auto row = store_->state_value(key);
    IOS_ASSERT(row.ok());  // the io thread's own store; a failing read is a broken node
    if (*row) out.rows.emplace(key, std::move(**row));
  };
  for (std::uint64_t e = 1; e <= last; ++e) read(e, "record");
  read(last, "transcript");
  return out;
}

nlohmann::json NodeRuntime::epoch_status() const {
  if (!schedule_) return nullptr;
  const std::uint64_t last = last_epoch_;
  nlohmann::json j{{"epoch", last}, {"epoch_ms", genesis_->policy.epoch_ms}};
  if (const auto* forming = core_->node().instance<protocol::epoch::EpochCore>(protocol::epoch::forming(last + 1))) {
    j["forming"] = {{"epoch", last + 1},
                    {"phase", forming->phase()},
                    {"view", forming->view()},
                    {"attempt", forming->attempt()},
                    {"locked", forming->locked().has_value()}};  // co-signed a record of this epoch
    // The validator running RandHound now, as this node's ranking names it.
    if (forming->phase() == "drp" && forming->attempt() < forming->candidates().size())
      j["forming"]["candidate"] = forming->candidates()[forming->attempt()];
  }
  return j;
}

nlohmann::json NodeRuntime::status_json() {
  // The top-level shard, role, height, view, leader and mode are the serving segment's; every
  // hosted segment is listed under "segments" (two during an epoch that moves this node).
  nlohmann::json segments = nlohmann::json::array();
  for (const auto& [key, v] : core_->node().all<pob::ShardValidator>())
    segments.push_back({{"shard", key.shard.value},
                        {"epoch", key.epoch.value},
                        {"step", key.step},
                        {"role", role_in(*v)},
                        {"height", v->ledger().height()},
                        {"ended", v->ended()}});
  nlohmann::json j{{"schema", "ios.rpc.status.v1"},
                   {"name", config_.name},
                   {"index", config_.index},
                   {"shards", genesis_->policy.shards},
                   {"epoch_chain", epoch_status()},
                   {"segments", std::move(segments)},
                   {"peers", transport_->connected_peers()},
                   {"pid", ::getpid()},
                   {"chain_id", genesis_->chain_id},
                   {"genesis_hash", core::to_hex(chain::genesis_hash(*genesis_))},
                   {"p2p_port", p2p_port_},
                   {"rpc_port", rpc_port_}};
  const auto serving = this->serving();
  if (!serving) {
    // Between shards: its new shard's state is on its way (ShardJoin), its old one retired.
    const auto joins = core_->node().all<protocol::transepoch::ShardJoin>();
    j.update({{"role", "joining"},
              {"shard", joins.empty() ? 0u : joins.back().first.shard.value},
              {"height", 0},
              {"view", 0},
              {"leader", 0},
              {"mode", "one_league"},
              {"last_block_hash", ""}});
    return j;
  }
  const auto& ledger = serving->validator->ledger();
  const auto& engine = serving->validator->engine();
  const auto& recent = engine.recent();
  j.update({{"role", role_in(*serving->validator)},
            {"shard", serving->key.shard.value},
            {"epoch", serving->key.epoch.value},
            {"step", serving->key.step},
            {"height", ledger.height()},
            {"view", engine.view()},
            {"leader", engine.leader()},
            {"mode", ledger.next_mode() == chain::LeagueMode::two_leagues ? "two_leagues" : "one_league"},
            {"last_block_hash", recent.empty() ? std::string() : core::to_hex(recent.back().hash())}});
  return j;
}

void NodeRuntime::watch_parent() {
  parent_timer_->expires_after(std::chrono::milliseconds(500));
  parent_timer_->async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    if (::getppid() != parent_pid_) {
      shutdown("parent exited");
      return;
    }
    watch_parent();
  });
}

void NodeRuntime::watch_activity() {
  activity_timer_->expires_after(std::chrono::milliseconds(peer_check_interval_ms));
  activity_timer_->async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_) return;
    log_peers();
    if (++activity_ticks_ % (progress_interval_ms / peer_check_interval_ms) == 0) log_progress();
    watch_activity();
  });
}

void NodeRuntime::log_peers() {
  // Roster members only (the handshake authenticated them), so at most one line per member
  // and tick: nobody outside the roster can make the node write here.
  auto now = transport_->peer_set();
  for (auto id : now)
    if (!logged_.peers.contains(id)) log_->info("peer_up", "connected", {{"peer", id}});
  for (auto id : logged_.peers)
    if (!now.contains(id)) log_->info("peer_down", "disconnected", {{"peer", id}});
  logged_.peers = std::move(now);
}

void NodeRuntime::log_progress() {
  // Blocks of every segment this node follows; the height and view of the one it serves.
  const auto serving = this->serving();
  nlohmann::json fields{{"peers", logged_.peers.size()}};
  if (serving)
    fields.update({{"shard", serving->key.shard.value},
                   {"epoch", serving->key.epoch.value},
                   {"step", serving->key.step},
                   {"height", serving->validator->ledger().height()},
                   {"view", serving->validator->engine().view()}});
  log_->info("final",
             std::to_string(final_blocks_ - logged_.final_blocks) + " blocks, " +
                 std::to_string(final_txs_ - logged_.final_txs) + " txs in the last " +
                 std::to_string(progress_interval_ms / 1000) + " s",
             fields);
  logged_.final_blocks = final_blocks_;
  logged_.final_txs = final_txs_;
  // Refusals, counted by reason: one line per interval however many there were.
  const auto& ts = transport_->stats();
  nlohmann::json counts = nlohmann::json::object();
  const auto& door = core_->counters();
  for (const auto& [reason, n] : door.refusals)
    if (n > logged_.door_refusals[reason]) counts["tx_" + reason] = n - logged_.door_refusals[reason];
  if (door.receipts_refused > logged_.receipts_refused) counts["receipts"] = door.receipts_refused - logged_.receipts_refused;
  if (ts.rejected_frames > logged_.rejected_frames) counts["frames"] = ts.rejected_frames - logged_.rejected_frames;
  if (ts.rejected_handshakes > logged_.rejected_handshakes)
    counts["handshakes"] = ts.rejected_handshakes - logged_.rejected_handshakes;
  if (!counts.empty()) log_->warn("refused", "in the last " + std::to_string(progress_interval_ms / 1000) + " s", counts);
  logged_.door_refusals = door.refusals;
  logged_.receipts_refused = door.receipts_refused;
  logged_.rejected_frames = ts.rejected_frames;
  logged_.rejected_handshakes = ts.rejected_handshakes;
}

void NodeRuntime::log_view_change() {
  // ByzCoin's view starts again at 0 with each height: only a rise is a view change. The views
  // a restart replays through are not (the ready line reports where it stands).
  // A segment that starts begins at view 0, and one that takes over as the serving one is not
  // a view change either.
  if (!ready_.load(std::memory_order_relaxed)) return;
  const auto serving = this->serving();
  if (!serving) return;
  const auto view = serving->validator->engine().view();
  const bool changed = logged_.segment == serving->key && view > logged_.view;
  logged_.segment = serving->key;
  logged_.view = view;
  if (!changed) return;
  log_->info("view_change", "new view",
             {{"view", view},
              {"leader", serving->validator->engine().leader()},
              {"shard", serving->key.shard.value},
              {"height", serving->validator->ledger().height()}});
}

void NodeRuntime::shutdown(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  log_->info("stop", std::string("node ") + config_.name + ": stopping (" + why + ")");
  if (rpc_) rpc_->stop();
  transport_->stop();
  for (auto& [id, t] : timers_) t.timer->cancel();
  if (parent_timer_) parent_timer_->cancel();
  if (activity_timer_) activity_timer_->cancel();
  if (signals_) signals_->cancel();
  io_.stop();
}

int NodeRuntime::run() {
  const auto self = config_.index;
  // Each instance's rows are read as it is made (StoreRows), not the whole history at once.
  auto rows = std::make_shared<const StoreRows>(*store_, *log_);
  protocol::byzcoin::ByzcoinConfig timing;
  timing.block_interval_ms = genesis_->policy.block_interval_ms;
  timing.phase_timeout_ms = config_.phase_timeout_ms;
  timing.view_timeout_ms = config_.view_timeout_ms;
  auto node = std::make_unique<protocol::node::NodeCore>();
  const auto& policy = genesis_->policy;
  if (policy.epoch_ms == 0) {
    // No epochs: the node's epoch-0 segment is its shard's whole chain.
    const protocol::node::InstanceKey key{core::ShardId{first_setup_->shard}, core::Epoch{0}};
    node->host(key, std::make_unique<pob::ShardValidator>(first_setup_, self, *identity_, rng_, rows->scoped(key), timing));
  } else {
    if (auto fit = protocol::epoch::check_genesis(*genesis_); !fit) {
      log_->error("start", "the genesis cannot run epochs (policy epoch_ms is set): " + fit.error().message());
      return 2;
    }
    protocol::epoch::EpochTiming epoch_timing;
    epoch_timing.start_delay_ms = policy.epoch_ms;
    epoch_timing.ticket_window_ms = policy.delta_ms;
    // A RandHound run and the record's CoSi among the roster take well under a second on one
    // machine; a candidate gets twenty Δ before the next one runs.
    epoch_timing.attempt_ms = 20 * policy.delta_ms;
    epoch_timing.drp.phase_timeout_ms = 2 * policy.delta_ms;
    const protocol::epoch::EpochHosting epochs{genesis_, self, &*identity_, &rng_, epoch_timing, /*epochs_max=*/0};
    const auto records = protocol::epoch::host_epochs(*node, *rows, epochs);
    last_epoch_ = records.size();
    // The shards, segment by segment (TransEpoch): the start-up succession replays the stored
    // ones, reading each one's rows as it makes it.
    auto shards = protocol::transepoch::host_shards(*node, rows, {genesis_, self, &*identity_, &rng_, timing, {}}, records);
    schedule_ = std::move(shards.schedule);
    node->set_succession(protocol::node::both(protocol::epoch::epoch_succession(epochs), std::move(shards.succession)));
  }
  // The door in front of it (node/protocol/client): the API submits there, and receipts come
  // back there. What is final long ago is the store's index. Peers are validators: their
  // ClientSubmits are refused (clients use the API).
  core_ = std::make_unique<protocol::client::ClientCore>(
      std::move(node), protocol::client::ClientDoorConfig{genesis_, self, key_->public_key(), schedule_,
                                                          [this](const core::Hash32& tx) {
                                                            auto row = store_->tx(tx);
                                                            return row && *row && (*row)->status == store::TxStatus::applied;
                                                          },
                                                          /*client_messages=*/false});

  std::vector<net::Peer> roster;
  for (std::uint32_t i = 0; i < first_setup_->validator_count(); ++i) roster.push_back({i, first_setup_->signing_key(i)});
  transport_ = std::make_unique<net::Transport>(io_, self, key_, first_setup_->chain_id, roster,
                                                [this](protocol::NodeId id) { return resolve(id); });
  transport_->set_on_message(
      [this](protocol::NodeId from, core::Bytes payload) { on_peer_message(from, std::move(payload)); });
  auto p2p = transport_->listen(config_.p2p.host, config_.p2p.port);
  if (!p2p) {
    log_->error("start", "cannot listen for peers on " + config_.p2p.host + ":" + std::to_string(config_.p2p.port) + ": " +
             p2p.error().message());
    return 9;
  }
  p2p_port_ = *p2p;
  api_ = std::make_unique<Api>(*this);
  rpc_ = std::make_unique<rpc::RpcServer>(*api_);
  auto rpc_port = rpc_->listen(config_.rpc.host, config_.rpc.port);
  if (!rpc_port) {
    log_->error("start", "cannot listen for RPC on " + config_.rpc.host + ":" + std::to_string(config_.rpc.port) + ": " +
             rpc_port.error().message());
    return 9;
  }
  rpc_port_ = *rpc_port;
  if (!is_loopback_host(config_.rpc.host))
    log_->warn("rpc_exposed", "the RPC API listens on " + config_.rpc.host + ":" + std::to_string(rpc_port_) +
             ", beyond this machine: anyone who reaches it can submit transactions (POST /v1/tx) and read this "
             "node's state, with no authentication. Keep rpc.host at 127.0.0.1 unless a proxy guards it.");

  signals_.emplace(io_, SIGINT, SIGTERM);
  signals_->async_wait([this](const asio::error_code& ec, int sig) {
    if (!ec) shutdown(sig == SIGINT ? "SIGINT" : "SIGTERM");
  });
  if (options_.exit_with_parent) {
    parent_pid_ = ::getppid();
    parent_timer_.emplace(io_);
    watch_parent();
  }
  asio::post(io_, [this] {
    input([&](protocol::Core& c, protocol::Effects& out) { c.on_start(now_ms(), out); });
    ready_.store(true, std::memory_order_release);  // the chain is replayed: the API may ask
    // What the replay applied is not news: the first progress line counts from here.
    const auto serving = this->serving();
    if (serving) {
      logged_.segment = serving->key;
      logged_.view = serving->validator->engine().view();
    }
    logged_.final_blocks = final_blocks_;
    logged_.final_txs = final_txs_;
    nlohmann::json fields = nlohmann::json::object();
    if (serving)
      fields = {{"shard", serving->key.shard.value},
                {"epoch", serving->key.epoch.value},
                {"step", serving->key.step},
                {"height", serving->validator->ledger().height()},
                {"view", logged_.view}};
    log_->info("ready", "chain replayed", fields);
  });
  rpc_->start();
  const PortsFile ports{::getpid(), p2p_port_, rpc_port_};
  if (auto s = crypto::write_secret_file((home_ / config_.ports_file).string(), to_json(ports).dump() + "\n", true);
      !s) {
    log_->error("start", s.error().message());
    return 1;
  }
  log_->info("start", "node " + config_.name + " (validator " + std::to_string(self) + ", " +
                          (serving() ? std::string(role_in(*serving()->validator)) : std::string("joining")) + "): p2p 127.0.0.1:" +
                          std::to_string(p2p_port_) + ", rpc http://" + config_.rpc.host + ":" + std::to_string(rpc_port_));
  activity_timer_.emplace(io_);
  watch_activity();
  io_.run();
  verifiers_.stop();  // checks still queued are for inputs that will never run
  verifiers_.join();
  const auto serving = this->serving();
  log_->info("stop", "node " + config_.name + ": stopped" +
                         (serving ? " at height " + std::to_string(serving->validator->ledger().height()) + " of shard " +
                                        std::to_string(serving->key.shard.value)
                                  : std::string()));
  return 0;
}

}  // namespace ios::runtime
