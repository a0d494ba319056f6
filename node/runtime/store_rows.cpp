#include "node/runtime/store_rows.hpp"

#include <cstdlib>

#include "node/protocol/byzcoin/vote.hpp"

namespace ios::runtime {

protocol::node::PersistedState StoreRows::scoped(const protocol::node::InstanceKey& key) const {
  const auto prefix = protocol::node::persist_prefix(key);
  const auto fatal = [&](const core::Error& e) {
    log_.error("fatal", "cannot read the rows of " + prefix + ": " + e.message());
    std::abort();
  };
  auto rows = store_.state_under(prefix);
  if (!rows) fatal(rows.error());
  protocol::node::PersistedState mine;
  for (auto& [k, v] : *rows) mine.emplace(k.substr(prefix.size()), std::move(v));
  if (key.protocol == protocol::node::Protocol::shard) {
    auto blocks = store_.segment_blocks(prefix);
    if (!blocks) fatal(blocks.error());
    // Assigned, not emplaced: a database from before blocks were stored once may still hold a
    // state row of the same key, and the blocks table's copy is the one checked against its hash.
    for (auto& b : *blocks) mine[protocol::byzcoin::block_key(b.height)] = std::move(b.block);
  }
  return mine;
}

std::optional<core::Bytes> StoreRows::row(const protocol::node::InstanceKey& key, std::string_view name) const {
  const auto k = protocol::node::persist_prefix(key) + std::string(name);
  auto value = store_.state_value(k);
  if (!value) {
    log_.error("fatal", "cannot read " + k + ": " + value.error().message());
    std::abort();
  }
  return std::move(*value);
}

}  // namespace ios::runtime
