#include "node/core/bech32.hpp"

#include <array>
#include <cctype>
#include <cstdint>

namespace ios::core {

namespace {

constexpr char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t bech32m_const = 0x2bc830a3;
constexpr std::size_t text_len_max = 90;

std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  constexpr std::array<std::uint32_t, 5> gen{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::uint32_t chk = 1;
  for (auto v : values) {
    std::uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= gen[i];
  }
  return chk;
}

std::vector<std::uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<std::uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<std::uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<std::uint8_t>(c) & 31);
  return out;
}

// Regroups bits; from 8 to 5 pads with zeros, from 5 to 8 refuses non-zero or over-long padding.
bool convert_bits(ByteView in, int from, int to, bool pad, std::vector<std::uint8_t>& out) {
  std::uint32_t acc = 0;
  int bits = 0;
  const std::uint32_t maxv = (1u << to) - 1;
  for (auto v : in) {
    acc = acc << from | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & maxv));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<std::uint8_t>((acc << (to - bits)) & maxv));
  } else if (bits >= from || ((acc << (to - bits)) & maxv) != 0) {
    return false;
  }
  return true;
}

}  // namespace

std::string bech32m_encode(std::string_view hrp, ByteView data) {
  IOS_ASSERT(!hrp.empty());
  IOS_ASSERT(hrp.size() <= 83);
  std::vector<std::uint8_t> five;
  convert_bits(data, 8, 5, true, five);
  auto values = hrp_expand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  values.insert(values.end(), 6, 0);
  std::uint32_t mod = polymod(values) ^ bech32m_const;
  std::string out{hrp};
  out.push_back('1');
  for (auto v : five) out.push_back(charset[v]);
  for (int i = 0; i < 6; ++i) out.push_back(charset[(mod >> (5 * (5 - i))) & 31]);
  IOS_ASSERT(out.size() <= text_len_max);
  return out;
}

Result<Bech32Data> bech32m_decode_words(std::string_view text) {
  if (text.size() > text_len_max) return reject(Reject::bad_address, "longer than 90 characters");
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return reject(Reject::bad_address, "non-printable character");
    if (std::islower(static_cast<unsigned char>(c))) lower = true;
    if (std::isupper(static_cast<unsigned char>(c))) upper = true;
  }
  if (lower && upper) return reject(Reject::bad_address, "mixed case");
  auto sep = text.rfind('1');
  if (sep == std::string_view::npos) return reject(Reject::bad_address, "missing separator '1'");
  if (sep == 0) return reject(Reject::bad_address, "empty human-readable part");
  if (sep + 7 > text.size()) return reject(Reject::bad_address, "too short for a checksum");
  std::string hrp;
  for (char c : text.substr(0, sep)) hrp.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::vector<std::uint8_t> five;
  for (char c : text.substr(sep + 1)) {
    const char* p = std::char_traits<char>::find(charset, 32, static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (p == nullptr) return reject(Reject::bad_address, std::string("invalid character '") + c + "'");
    five.push_back(static_cast<std::uint8_t>(p - charset));
  }
  auto values = hrp_expand(hrp);
  values.insert(values.end(), five.begin(), five.end());
  if (polymod(values) != bech32m_const) return reject(Reject::bad_checksum, "checksum does not match (mistyped?)");
  five.resize(five.size() - 6);
  return Bech32Data{hrp, std::move(five)};
}

Result<Bech32Data> bech32m_decode(std::string_view text) {
  auto words = bech32m_decode_words(text);
  if (!words) return words.error();
  Bech32Data out{words->hrp, {}};
  if (!convert_bits(words->data, 5, 8, false, out.data)) return reject(Reject::bad_address, "invalid padding");
  return out;
}

}  // namespace ios::core
