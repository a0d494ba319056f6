#include "node/protocol/epoch/hosting.hpp"

#include <functional>

namespace ios::protocol::epoch {

namespace {

// Row `name` of the instance forming `epoch`, wherever the rows are.
using RowOf = std::function<std::optional<core::Bytes>(std::uint64_t epoch, std::string_view name)>;

RowOf in_map(const node::PersistedState& rows) {
  return [&rows](std::uint64_t epoch, std::string_view name) -> std::optional<core::Bytes> {
    auto it = rows.find(epoch_row_key(epoch, name));
    if (it == rows.end()) return std::nullopt;
    return it->second;
  };
}

RowOf in_rows(const node::PersistedRows& rows) {
  return [&rows](std::uint64_t epoch, std::string_view name) { return rows.row(forming(epoch), name); };
}

std::optional<ChainEntry> entry_at(const RowOf& row, std::uint64_t epoch, std::size_t roster_size, bool with_transcript) {
  auto bytes = row(epoch, "record");
  if (!bytes) return std::nullopt;
  auto s = decode_signed_record(*bytes, roster_size);
  IOS_ASSERT(s.ok());  // this node wrote these bytes itself
  ChainEntry entry{std::move(*s), std::nullopt};
  if (auto t = with_transcript ? row(epoch, "transcript") : std::nullopt) {
    auto decoded = drp::decode_transcript(*t);
    IOS_ASSERT(decoded.ok());
    entry.transcript = std::move(*decoded);
  }
  return entry;
}

std::vector<EpochRecord> records_in(const RowOf& row, std::size_t roster_size) {
  std::vector<EpochRecord> records;
  while (auto next = entry_at(row, records.size() + 1, roster_size, false))
    records.push_back(std::move(next->signed_record.record));
  return records;
}

std::unique_ptr<EpochCore> make_core(const EpochHosting& h, EpochRecord previous, const std::optional<core::Bytes>& lock) {
  return std::make_unique<EpochCore>(EpochContext::create(h.genesis, std::move(previous)), h.self, *h.identity, *h.rng,
                                     h.timing, lock);
}

}  // namespace

node::InstanceKey forming(std::uint64_t epoch) { return {core::ShardId{0}, core::Epoch{epoch}, node::Protocol::epoch}; }

std::string epoch_row_key(std::uint64_t epoch, std::string_view name) {
  return node::persist_prefix(forming(epoch)) + std::string(name);
}

std::optional<ChainEntry> stored_entry(const node::PersistedState& rows, std::uint64_t epoch, std::size_t roster_size,
                                       bool with_transcript) {
  return entry_at(in_map(rows), epoch, roster_size, with_transcript);
}

std::vector<ChainEntry> stored_chain(const node::PersistedState& rows, std::size_t roster_size) {
  std::vector<ChainEntry> chain;
  for (std::uint64_t e = 1;; ++e) {
    auto entry = stored_entry(rows, e, roster_size);
    if (!entry) return chain;
    chain.push_back(std::move(*entry));
  }
}

std::vector<EpochRecord> stored_records(const node::PersistedState& rows, std::size_t roster_size) {
  return records_in(in_map(rows), roster_size);
}

node::Succession epoch_succession(const EpochHosting& h) {
  const auto n = h.genesis->validators.size();
  // By value: the succession outlives the caller and `h` with it.
  return [h, n](const node::InstanceKey& from, const Core&, const Deliver& d) {
    node::Succeeded next;
    if (from.protocol != node::Protocol::epoch || d.kind != node::formed_kind) return next;
    const auto epoch = from.epoch.value;
    if (h.epochs_max != 0 && epoch >= h.epochs_max) return next;
    auto s = decode_signed_record(d.value, n);
    IOS_ASSERT(s.ok());  // the epoch core checked it before delivering it
    next.hosted.push_back({forming(epoch + 1), make_core(h, std::move(s->record), std::nullopt)});
    return next;
  };
}

std::vector<EpochRecord> host_epochs(node::NodeCore& node, const node::PersistedRows& rows, const EpochHosting& h) {
  IOS_ASSERT(h.genesis && h.identity && h.rng);
  const auto n = h.genesis->validators.size();
  // The stored records, found without decoding a transcript (one read of each epoch's rows).
  const auto row = in_rows(rows);
  auto records = records_in(row, n);
  const EpochRecord previous = records.empty() ? genesis_record(*h.genesis) : records.back();
  const auto more = [max = h.epochs_max](std::uint64_t formed) { return max == 0 || formed < max; };
  if (more(previous.epoch)) node.host(forming(previous.epoch + 1), make_core(h, previous, row(previous.epoch + 1, "lock")));
  node.set_succession(epoch_succession(h));
  node.set_formed_epoch(previous.epoch);
  return records;
}

}  // namespace ios::protocol::epoch
