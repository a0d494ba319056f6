#pragma once
// node::PersistedRows over the node's SQLite store (node/protocol/node/node_core.hpp): a
// restarted node reads each instance's rows as the start-up succession makes the instance, not
// its whole history. For a shard segment these are its state rows and the final blocks it
// finalized, given back as the "byzcoin/block/<h>" rows the engine persisted (the runtime keeps
// those in the blocks table only: NodeRuntime::flush_persists).
#include "node/protocol/node/node_core.hpp"
#include "node/runtime/node_log.hpp"
#include "node/store/node_store.hpp"

namespace ios::runtime {

class StoreRows final : public protocol::node::PersistedRows {
 public:
  // Both outlive this object (the runtime owns them and the node core that reads through it).
  StoreRows(const store::NodeStore& store, NodeLog& log) : store_(store), log_(log) {}
  // A read the disk refuses stops the process, as a refused write does: the instance would
  // otherwise start without the votes that keep it from equivocating.
  protocol::node::PersistedState scoped(const protocol::node::InstanceKey& key) const override;
  std::optional<core::Bytes> row(const protocol::node::InstanceKey& key, std::string_view name) const override;

 private:
  const store::NodeStore& store_;
  NodeLog& log_;
};

}  // namespace ios::runtime
