#pragma once
// SHA-256 and SHA-512 through libsodium, with the domain-tag convention of docs/PROTOCOLS.md §0.2:
// every protocol hash input starts with an ASCII tag such as "IOS/v1/leader".
#include <initializer_list>

#include "node/core/bytes.hpp"

namespace ios::crypto {

using core::ByteArray;
using core::Bytes;
using core::ByteView;
using core::Hash32;

// libsodium must be initialised before any call; every entry point of ios calls this.
// Aborts if libsodium cannot initialise (no usable randomness source).
void init();

Hash32 sha256(ByteView data);
Hash32 sha256(std::initializer_list<ByteView> parts);
ByteArray<64> sha512(ByteView data);
ByteArray<64> sha512(std::initializer_list<ByteView> parts);

}  // namespace ios::crypto
