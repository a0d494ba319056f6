// `ios tx` before any node is asked: how senders and recipients are read. The node is an
// address that refuses connections, so getting as far as exit 7 (unreachable) proves the
// arguments were accepted; the real transfers are in tests/devnet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "cli/run_ios.hpp"

using ios::test::run_ios;
using ios::test::TempDir;

namespace {

const std::string no_node = " --rpc http://127.0.0.1:1";

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// A sender keystore (insecure: no password needed) and a recipient's address.
struct Keys {
  TempDir d;
  std::string recipient_address;
  Keys() {
    EXPECT_EQ(run_ios("keygen --type account --insecure -q --out " + (d / "from.key")).code, 0);
    auto r = run_ios("keygen --type account --insecure -q --out " + (d / "to.key") + " --json");
    EXPECT_EQ(r.code, 0);
    recipient_address = r.json()["address"];
  }
  std::string send(const std::string& to) const {
    return "tx send --home " + (d / "no-devnet") + " --from " + (d / "from.key") + " --to " + to + " --amount 1" +
           no_node;
  }
};

}  // namespace

TEST(CliTx, UpperCaseAddressIsAccepted) {
  Keys k;
  auto lower = run_ios(k.send(k.recipient_address));
  EXPECT_EQ(lower.code, 7) << lower.err;
  auto up = run_ios(k.send(upper(k.recipient_address)));
  EXPECT_EQ(up.code, 7) << up.err;  // reached the node: the address was understood
  // Mixed case is not an address (BIP-350): a usage error naming it.
  std::string mixed = k.recipient_address;
  // One letter of the data part in upper case (the address is random: skip digits).
  auto letter = std::find_if(mixed.begin() + 4, mixed.end(), [](unsigned char c) { return std::isalpha(c) != 0; });
  ASSERT_NE(letter, mixed.end());
  *letter = static_cast<char>(std::toupper(static_cast<unsigned char>(*letter)));
  auto m = run_ios(k.send(mixed));
  EXPECT_EQ(m.code, 2) << m.err;
  EXPECT_NE(m.err.find("mixed case"), std::string::npos) << m.err;
}

TEST(CliTx, ToTakesAKeystoreFileAsFromDoes) {
  Keys k;
  auto r = run_ios(k.send(k.d / "to.key"));
  EXPECT_EQ(r.code, 7) << r.err;
  auto none = run_ios(k.send(k.d / "nobody.key"));
  EXPECT_EQ(none.code, 3) << none.err;
  EXPECT_NE(none.err.find("keystore file"), std::string::npos) << none.err;
}
