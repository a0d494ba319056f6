#include "node/crypto/ed25519.hpp"

#include <sodium.h>

#include "node/core/encoding.hpp"

namespace ios::crypto {

SigningKey::SigningKey(const Seed& seed) {
  IOS_ASSERT(crypto_sign_seed_keypair(public_key_.data(), secret_.data(), seed.data()) == 0);
}

Signature SigningKey::sign(core::ByteView message) const {
  Signature sig{};
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

bool verify(const PublicKey& key, core::ByteView message, const Signature& sig) {
  return crypto_sign_verify_detached(sig.data(), message.data(), message.size(), key.data()) == 0;
}

bool verify(const SignatureCheck& check) { return verify(check.key, check.message, check.signature); }

std::vector<bool> verify_each(const std::vector<SignatureCheck>& checks) {
  std::vector<bool> valid;
  valid.reserve(checks.size());
  for (const auto& c : checks) valid.push_back(verify(c));
  return valid;
}

core::Bytes tagged_message(std::string_view tag, core::ByteView chain_id, core::ByteView body) {
  core::Writer w;
  w.raw(core::as_bytes(tag)).bytes(chain_id).raw(body);
  return w.take();
}

Signature sign_tagged(const SigningKey& key, std::string_view tag, core::ByteView chain_id, core::ByteView body) {
  return key.sign(tagged_message(tag, chain_id, body));
}

bool verify_tagged(const PublicKey& key, std::string_view tag, core::ByteView chain_id, core::ByteView body,
                   const Signature& sig) {
  return verify(key, tagged_message(tag, chain_id, body), sig);
}

namespace {
core::Bytes pop_body(const PublicKey& key, std::uint64_t epoch) {
  core::Writer w;
  w.raw(key).u64(epoch);
  return w.take();
}
}  // namespace

Signature make_pop(const SigningKey& key, core::ByteView chain_id, std::uint64_t registration_epoch) {
  return sign_tagged(key, "IOS/v1/pop", chain_id, pop_body(key.public_key(), registration_epoch));
}

bool verify_pop(const PublicKey& key, core::ByteView chain_id, std::uint64_t registration_epoch, const Signature& pop) {
  return verify_tagged(key, "IOS/v1/pop", chain_id, pop_body(key, registration_epoch), pop);
}

}  // namespace ios::crypto
