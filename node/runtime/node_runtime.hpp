#pragma once
// The node process (docs/DESIGN.md §2 and §5): one asio::io_context thread drives the same
// NodeCore the simulator runs (the epoch chain's instances and this node's shard segments,
// node/protocol/transepoch/shard_hosting.hpp), with real time, the peer transport (node/net),
// the SQLite store (node/store) and the HTTP API (node/rpc). Everything that touches protocol
// state runs on that one thread (docs/STYLE.md rule 7); the RPC threads reach it through post().
// Signature checks leave it: the core's Verify effects, receipt signatures and the API's
// witness checks run on a worker pool with one thread per core, and come back as inputs.
//
// Effects of one input are applied in order. Persist effects are batched until the next Send
// (or the end of the input) and written in one SQLite transaction — together with the final
// block that input applied, if any — before anything after them leaves: a final block and its
// state change commit together, and a vote or commitment is durable before it is sent
// (docs/STYLE.md rule 6).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <asio.hpp>

#include "node/crypto/random.hpp"
#include "node/net/transport.hpp"
#include "node/protocol/client/client_core.hpp"
#include "node/protocol/node/node_core.hpp"
#include "node/protocol/pob/shard_validator.hpp"
#include "node/protocol/transepoch/shard_hosting.hpp"
#include "node/rpc/server.hpp"
#include "node/runtime/node_config.hpp"
#include "node/runtime/node_log.hpp"
#include "node/store/node_store.hpp"

namespace ios::runtime {

// How long an API call waits for the io thread before answering 503.
inline constexpr std::chrono::milliseconds api_wait_max{10'000};

// Written in the home after the validator's first durable write: from then on a missing or
// empty database means its vote history is lost (check_vote_history).
inline constexpr const char* validator_marker_file = "validator.has-run";

struct RuntimeOptions {
  bool exit_with_parent = false;  // exit when the supervisor (our parent) dies
  bool fresh_validator = false;   // start even though the marker says the vote history is lost
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::text;
};

// How often the node logs its progress and what it refused (node_log.hpp), and checks its peers.
inline constexpr std::uint64_t progress_interval_ms = 10'000;
inline constexpr std::uint64_t peer_check_interval_ms = 1'000;

class NodeRuntime {
 public:
  // Loads the config, genesis, keystore and database of `home`. Typed refusals: io_error
  // (missing files), bad_json, bad_keystore / wrong_password, unknown_version (newer database),
  // state_lost (the home has run a validator, but its database is missing or empty).
  static core::Result<std::unique_ptr<NodeRuntime>> open(const std::filesystem::path& home, RuntimeOptions options);
  ~NodeRuntime();

  // Binds the listeners (port 0: any), writes ports.json, and runs until SIGINT/SIGTERM (or the
  // parent's death with exit_with_parent). Returns the process exit code.
  int run();

 private:
  class Api;
  NodeRuntime() = default;

  protocol::TimeMs now_ms();
  void input(const std::function<void(protocol::Core&, protocol::Effects&)>& call);
  void apply(std::vector<protocol::Effect> effects);
  void load(protocol::Load l);
  void flush_persists(std::vector<std::pair<std::string, core::Bytes>>& batch);
  void send(protocol::NodeId to, core::Bytes payload);
  void set_timer(protocol::TimerId id, protocol::TimeMs at_ms);
  void verify(protocol::Verify v);
  void on_peer_message(protocol::NodeId from, core::Bytes payload);
  void on_applied(protocol::BlockApplied applied);
  // Record e of the epoch chain is final on this node (Deliver "epoch-record").
  void on_epoch_record(const core::Bytes& signed_record);
  struct EpochRows {
    std::uint64_t epoch = 0;
    protocol::node::PersistedState rows;
  };
  std::optional<EpochRows> epoch_rows(std::optional<std::uint64_t> epoch) const;
  nlohmann::json epoch_status() const;
  // The shard segments this node hosts (node/protocol/transepoch/shard_hosting.hpp): a node
  // runs one shard's segments, two during an epoch that moves it, none while it waits for
  // the state of the shard it joins.
  using Segment = protocol::client::ClientCore::Segment;
  // The segment that speaks for the node (status, logs, metrics): the latest running one in
  // which it votes or produces, else the latest running one, else the latest.
  std::optional<Segment> serving() const;
  // "believable", "normal" or "observer" (a host outside the step's roster: it follows).
  std::string_view role_in(const protocol::pob::ShardValidator& v) const;
  // The normal league of the segment a stored block was finalized in (its commit mask's roster).
  std::vector<std::uint32_t> normal_league_of(core::ShardId shard, std::uint64_t height) const;
  std::optional<net::Endpoint> resolve(protocol::NodeId id) const;
  void watch_parent();
  core::Status check_vote_history();
  void write_vote_history_marker();
  void shutdown(const char* why);
  // Every peer_check_interval_ms: peers that joined or left; every progress_interval_ms: the
  // blocks finalized and what was refused since the last line.
  void watch_activity();
  void log_peers();
  void log_progress();
  // After each input: a view change is worth a line.
  void log_view_change();

  // called on the io thread by Api
  rpc::SubmitResult submit(const chain::Tx& tx);
  nlohmann::json status_json();
  std::optional<nlohmann::json> account_json(const chain::Address& a) const;
  // The stored bytes of the final block of `shard` at `height` (hash re-checked by the store).
  std::optional<core::Bytes> stored_block(core::ShardId shard, std::uint64_t height) const;
  // A tx this node holds: pending through its API, or the block (bytes) that holds it.
  struct TxLookup {
    std::optional<chain::Tx> pending;
    std::optional<std::uint64_t> height;
    core::Bytes block;
    std::optional<protocol::client::TxTracker::Receipt> receipt;
  };
  TxLookup find_tx(const core::Hash32& hash) const;

  std::filesystem::path home_;
  NodeConfig config_;
  RuntimeOptions options_;
  // The genesis, and this node's epoch-0 setup (EDS with the genesis randomness): what open()
  // checks the keystore against, and all the node hosts when the genesis runs no epochs.
  std::shared_ptr<const chain::Genesis> genesis_;
  std::shared_ptr<const protocol::pob::ShardSetup> first_setup_;
  // With epochs: every shard's segments in every epoch this node holds the record of — the
  // schedule the core's shard hosting keeps (host_shards), read for the API's block documents,
  // refusals and the epoch log line. Null without epochs.
  std::shared_ptr<const protocol::transepoch::ShardSchedule> schedule_;
  std::optional<crypto::Identity> identity_;
  std::shared_ptr<const crypto::SigningKey> key_;
  crypto::SystemRng rng_;
  std::optional<store::NodeStore> store_;
  asio::io_context io_;
  std::unique_ptr<protocol::client::ClientCore> core_;  // the NodeCore behind its client door
  std::unique_ptr<net::Transport> transport_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<rpc::RpcServer> rpc_;
  // The timers the core has set now (an entry goes when it fires or is cancelled); the
  // generation tells a stale completion from the current setting.
  struct ArmedTimer {
    std::unique_ptr<asio::steady_timer> timer;
    std::uint64_t generation = 0;
  };
  std::map<protocol::TimerId, ArmedTimer> timers_;
  std::uint64_t timer_generation_ = 0;
  std::vector<store::NodeStore::FinalRecord> pending_finals_;  // applied during the current input
  protocol::TimeMs last_now_ms_ = 0;
  std::uint16_t p2p_port_ = 0, rpc_port_ = 0;
  int parent_pid_ = 0;
  std::optional<asio::signal_set> signals_;
  std::optional<asio::steady_timer> parent_timer_;
  bool stopping_ = false;
  int lock_fd_ = -1;  // flock on <home>/node.lock
  std::uint64_t inputs_ = 0;
  bool marker_written_ = false;               // validator_marker_file exists for this run's database
  std::atomic<bool> ready_{false};            // on_start ran (the chain is replayed); the API answers 503 before
  std::unique_ptr<NodeLog> log_;
  std::optional<asio::steady_timer> activity_timer_;
  std::uint64_t activity_ticks_ = 0;
  // What the last lines reported, to log differences.
  struct Logged {
    std::set<protocol::NodeId> peers;
    std::optional<protocol::node::InstanceKey> segment;  // the serving segment the heights are of
    std::uint64_t view = 0, final_blocks = 0, final_txs = 0;
    std::uint64_t receipts_refused = 0, rejected_frames = 0, rejected_handshakes = 0;
    std::map<std::string, std::uint64_t> door_refusals;  // Reject name -> count (bounded by the enum)
  } logged_;
  std::uint64_t final_txs_ = 0;     // txs applied by final blocks since start
  std::uint64_t final_blocks_ = 0;  // final blocks applied since start, of every segment
  // The epoch chain (node/protocol/epoch/hosting.hpp), when the policy's epoch_ms is set: the
  // last record this node holds (records 1..last_epoch_ and their transcripts are rows of the
  // store).
  std::uint64_t last_epoch_ = 0;
  // Last: destroyed (joined) first, while everything its tasks post back to still exists.
  asio::thread_pool verifiers_{std::max(1u, std::thread::hardware_concurrency())};
};

}  // namespace ios::runtime
