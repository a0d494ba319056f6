#include "node/protocol/pob/proposed_block.hpp"

#include "node/core/encoding.hpp"

namespace ios::protocol::pob {

core::Bytes encode(const ProposedBlock& block) {
  core::Writer w;
  w.u8(proposed_block_version).bytes(chain::encode(block.body));
  w.u32(static_cast<std::uint32_t>(block.merged.size()));
  for (const auto& b : block.merged) w.bytes(chain::encode(b));
  return w.take();
}

core::Result<ProposedBlock> decode_proposed_block(core::ByteView bytes) {
  core::Reader r(bytes);
  r.version(proposed_block_version);
  const auto body_bytes = r.bytes(core::encoded_bytes_len_max);
  const auto count = r.count(chain::block_optimistic_blocks_max);
  std::vector<core::Bytes> merged_bytes;
  for (std::uint32_t i = 0; i < count && !r.failed(); ++i) merged_bytes.push_back(r.bytes(core::encoded_bytes_len_max));
  if (auto s = r.finish(); !s) return s.error();

  auto body = chain::decode_block_body(body_bytes);
  if (!body) return body.error();
  ProposedBlock out{std::move(*body), {}};
  if (out.body.optimistic_blocks.size() != merged_bytes.size()) {
    return core::reject(core::Reject::bad_proof, "body names " + std::to_string(out.body.optimistic_blocks.size()) +
                                                     " optimistic blocks, " + std::to_string(merged_bytes.size()) +
                                                     " attached");
  }
  for (std::size_t i = 0; i < merged_bytes.size(); ++i) {
    auto b = chain::decode_optimistic_block(merged_bytes[i]);
    if (!b) return core::reject(b.error().reason, "optimistic block " + std::to_string(i) + ": " + b.error().detail);
    if (chain::header_hash(b->header) != out.body.optimistic_blocks[i]) {
      return core::reject(core::Reject::bad_proof, "optimistic block " + std::to_string(i) + " is not the one the body names");
    }
    out.merged.push_back(std::move(*b));
  }
  return out;
}

}  // namespace ios::protocol::pob
