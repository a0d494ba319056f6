#pragma once
// Bech32m text encoding (BIP-350) for addresses people type and paste: a human-readable part,
// a 6-character BCH checksum that detects any error in up to 4 characters, lower case only
// on output. Chosen over plain hex so that a mistyped address is refused, not paid.
#include <string>
#include <string_view>

#include "node/core/bytes.hpp"
#include "node/core/result.hpp"

namespace ios::core {

struct Bech32Data {
  std::string hrp;
  Bytes data;
};

// hrp: 1..83 printable ASCII characters, lower case. Output is at most 90 characters.
std::string bech32m_encode(std::string_view hrp, ByteView data);

// The checksum layer alone: hrp and the 5-bit data words (BIP-350 test vectors live here).
Result<Bech32Data> bech32m_decode_words(std::string_view text);

// Accepts all-lower or all-upper case; refuses mixed case, bad characters, a bad checksum
// (including a Bech32 rather than Bech32m checksum), over-long strings and bad padding.
Result<Bech32Data> bech32m_decode(std::string_view text);

}  // namespace ios::core
