// ios lottery prove / verify / rank: VRF tickets of whitepaper Algorithm 1 (docs/PROTOCOLS.md §9.1).
#include <sstream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/keyfile.hpp"
#include "cli/password.hpp"
#include "cli/user_file.hpp"
#include "node/protocol/lottery/ranking.hpp"

namespace ios::cli {

namespace {

using protocol::lottery::LotteryContext;

// Either --alpha-hex (which may be empty: RFC 9381 example 16 has an empty alpha), or the three
// fields from which every node derives alpha.
struct AlphaArgs {
  std::optional<std::string> alpha_hex;
  std::optional<std::uint64_t> epoch;
  std::optional<std::uint64_t> view;
  std::optional<std::string> config_hash;

  void add(CLI::App* cmd) {
    auto* a = cmd->add_option_function<std::string>(
        "--alpha-hex", [this](const std::string& v) { alpha_hex = v; }, "The VRF input alpha, in hex (raw RFC 9381 use)");
    auto* e = cmd->add_option("--epoch", epoch, "Epoch e of the leader lottery");
    auto* v = cmd->add_option("--view", view, "View v of the leader lottery");
    auto* c = cmd->add_option_function<std::string>(
        "--config-hash", [this](const std::string& h) { config_hash = h; }, "Configuration hash (32 bytes hex) of epoch e");
    a->excludes(e)->excludes(v)->excludes(c);
  }

  core::Bytes alpha() const {
    if (alpha_hex) return parse_hex_arg("--alpha-hex", *alpha_hex);
    if (!epoch && !view && !config_hash) throw Failure(Exit::usage, "give --alpha-hex, or --epoch, --view and --config-hash");
    if (!epoch || !view || !config_hash) throw Failure(Exit::usage, "--epoch, --view and --config-hash go together");
    LotteryContext ctx{parse_hex_arg<32>("--config-hash", *config_hash), *epoch, *view};
    return protocol::lottery::leader_alpha(ctx);
  }
};

void register_prove(CLI::App& lottery, Globals& g) {
  struct Args {
    std::string key_file;
    std::string vrf_secret_hex;
    PasswordSource password;
    AlphaArgs alpha;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = lottery.add_subcommand("prove", "Make this validator's lottery ticket (pi and beta)");
  auto* key = cmd->add_option("--key", args->key_file, "Validator keystore");
  auto* raw = cmd->add_option("--vrf-secret-hex", args->vrf_secret_hex,
                              "Raw 32-byte RFC 9381 secret key, for conformance tests only (it is on argv)");
  key->excludes(raw);
  add_password_flags(cmd, args->password, false);
  args->alpha.add(cmd);
  cmd->footer(
      "Examples:\n"
      "  ios lottery prove --key node.key --password-file pw --epoch 7 --view 0 --config-hash <64 hex>\n"
      "  ios lottery prove --vrf-secret-hex <64 hex> --alpha-hex 72 --json");
  cmd->callback([args, &g] {
    core::Bytes alpha = args->alpha.alpha();
    std::optional<crypto::Seed> seed;
    if (!args->vrf_secret_hex.empty()) {
      auto sk = core::from_hex_fixed<32>(args->vrf_secret_hex);
      if (!sk) throw Failure(Exit::usage, "--vrf-secret-hex: expected 64 hex characters (32 bytes)");
      seed.emplace(*sk);
      sodium_memzero(sk->data(), sk->size());
    } else if (!args->key_file.empty()) {
      auto identity = unlock_keystore(args->key_file, args->password);
      if (identity.public_identity().type != crypto::KeyType::validator)
        throw Failure(Exit::key_error, args->key_file + " is an account key; lottery tickets need a validator key");
      seed.emplace(identity.vrf_seed());
    } else {
      throw Failure(Exit::usage, "give --key FILE (or --vrf-secret-hex for conformance tests)");
    }
    crypto::VrfSecretKey vrf(*seed);
    auto pi = vrf.prove(alpha);
    auto beta = crypto::vrf_proof_to_hash(pi);
    IOS_ASSERT(beta.ok());
    nlohmann::json doc{{"pi", core::to_hex(pi)},
                       {"beta", core::to_hex(*beta)},
                       {"public_key", core::to_hex(vrf.public_key())},
                       {"alpha", core::to_hex(alpha)}};
    emit(g, "ios.lottery.prove.v1", doc,
         "public_key " + core::to_hex(vrf.public_key()) + "\npi         " + core::to_hex(pi) + "\nbeta       " +
             core::to_hex(*beta) + "\n");
  });
}

void register_lottery_verify(CLI::App& lottery, Globals& g) {
  struct Args {
    std::string pubkey;
    std::string proof;
    AlphaArgs alpha;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = lottery.add_subcommand("verify", "Check a lottery ticket; exit 0 with beta, or 6 with the reason");
  cmd->add_option("--pubkey", args->pubkey, "VRF public key (32 bytes hex)")->required();
  cmd->add_option("--proof", args->proof, "VRF proof pi (80 bytes hex)")->required();
  args->alpha.add(cmd);
  cmd->footer("Example:\n  ios lottery verify --pubkey <64 hex> --proof <160 hex> --epoch 7 --view 0 --config-hash <64 hex>");
  cmd->callback([args, &g] {
    auto pk = parse_hex_arg<32>("--pubkey", args->pubkey);
    auto pi = parse_hex_arg<80>("--proof", args->proof);
    core::Bytes alpha = args->alpha.alpha();
    auto beta = crypto::vrf_verify(pk, pi, alpha);
    if (!beta) fail(Exit::verification_failed, beta.error(), "invalid ticket");
    emit(g, "ios.lottery.verify.v1", {{"valid", true}, {"beta", core::to_hex(*beta)}, {"public_key", args->pubkey}},
         "valid\nbeta " + core::to_hex(*beta) + "\n");
  });
}

// TICKETS.json: {"version":1, "epoch":E, "view":V, "config_hash":HEX | "alpha_hex":HEX,
//                "tickets":[{"public_key":HEX, "proof":HEX}, ...]}
struct TicketFile {
  core::Bytes alpha;
  std::vector<protocol::lottery::LotteryTicket> tickets;
  std::vector<std::size_t> index_in_file;                      // of each parsed ticket
  std::vector<std::pair<std::size_t, std::string>> malformed;  // index in file, why
};

// Far above any roster (a ticket is under 300 bytes of JSON); the limit only stops a wrong path.
inline constexpr std::size_t tickets_json_bytes_max = std::size_t{64} << 20;

TicketFile load_ticket_file(const std::string& path) {
  const nlohmann::json j = read_user_json("tickets file", path, tickets_json_bytes_max);
  if (!j.is_object()) throw Failure(Exit::usage, "tickets file " + path + ": not a JSON object");
  if (j.value("version", nlohmann::json()) != 1)
    throw Failure(Exit::usage, "tickets file " + path + ": \"version\" must be 1");
  TicketFile out;
  // Each field checked by name, so a wrong file says which field is wrong in our words.
  const std::string where = "tickets file " + path;
  auto field = [&](const char* name) -> const nlohmann::json& {
    auto it = j.find(name);
    if (it == j.end()) throw Failure(Exit::usage, where + ": missing field \"" + name + "\"");
    return *it;
  };
  auto string_field = [&](const char* name) {
    const auto& v = field(name);
    if (!v.is_string()) throw Failure(Exit::usage, where + ": field \"" + name + "\" must be a string");
    return v.get<std::string>();
  };
  auto u64_field = [&](const char* name) {
    const auto& v = field(name);
    if (!v.is_number_unsigned())
      throw Failure(Exit::usage, where + ": field \"" + name + "\" must be a non-negative integer");
    return v.get<std::uint64_t>();
  };
  if (j.contains("alpha_hex")) {
    if (j.contains("epoch") || j.contains("view") || j.contains("config_hash"))
      throw Failure(Exit::usage, where + ": give either alpha_hex or epoch, view and config_hash");
    out.alpha = parse_hex_arg(where + ": field \"alpha_hex\"", string_field("alpha_hex"));
  } else {
    LotteryContext ctx{parse_hex_arg<32>(where + ": field \"config_hash\"", string_field("config_hash")),
                       u64_field("epoch"), u64_field("view")};
    out.alpha = protocol::lottery::leader_alpha(ctx);
  }
  const auto& list = field("tickets");
  if (!list.is_array()) throw Failure(Exit::usage, where + ": field \"tickets\" must be a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& t = list[i];
    auto pk = t.is_object() && t.contains("public_key") && t["public_key"].is_string()
                  ? core::from_hex_fixed<32>(t["public_key"].get<std::string>())
                  : std::nullopt;
    auto pi = t.is_object() && t.contains("proof") && t["proof"].is_string()
                  ? core::from_hex_fixed<80>(t["proof"].get<std::string>())
                  : std::nullopt;
    if (!pk || !pi) {
      out.malformed.emplace_back(i, !pk ? "public_key is not 32 bytes of hex" : "proof is not 80 bytes of hex");
      continue;
    }
    out.tickets.push_back({*pk, *pi});
    out.index_in_file.push_back(i);
  }
  return out;
}

void register_rank(CLI::App& lottery, Globals& g) {
  auto file = std::make_shared<std::string>();
  auto* cmd = lottery.add_subcommand("rank", "Rank tickets into the leader and two backups (Algorithm 1)");
  cmd->add_option("TICKETS", *file, "Tickets file (JSON)")->required();
  cmd->footer(
      "Order: beta ascending as a 512-bit big-endian integer; ties to the smaller public key.\n"
      "Invalid tickets are listed and excluded; exit 6 when no ticket is valid.\n"
      "File: {\"version\":1,\"epoch\":E,\"view\":V,\"config_hash\":HEX,\"tickets\":[{\"public_key\":HEX,\"proof\":HEX}]}\n"
      "Example:\n  ios lottery rank examples/lottery/tickets.json --json");
  cmd->callback([file, &g] {
    auto tf = load_ticket_file(*file);
    const auto& file_index = tf.index_in_file;
    auto ranking = protocol::lottery::rank_tickets(tf.tickets, tf.alpha);
    nlohmann::json ranked = nlohmann::json::array(), invalid = nlohmann::json::array();
    std::ostringstream text;
    const char* roles[] = {"leader", "backup1", "backup2"};
    for (std::size_t r = 0; r < ranking.ranked.size(); ++r) {
      const auto& t = ranking.ranked[r];
      std::string role = r < 3 ? roles[r] : "";
      ranked.push_back({{"rank", r + 1},
                        {"role", role},
                        {"index", file_index[t.input_index]},
                        {"public_key", core::to_hex(t.vrf_key)},
                        {"beta", core::to_hex(t.beta)}});
      text << (r + 1) << ". " << (role.empty() ? std::string(7, ' ') : role + std::string(7 - role.size(), ' ')) << " "
           << core::to_hex(t.vrf_key) << "  beta " << core::to_hex(t.beta).substr(0, 16) << "…\n";
    }
    for (const auto& [i, why] : tf.malformed) {
      invalid.push_back({{"index", i}, {"reason", "malformed"}, {"detail", why}});
      text << "invalid #" << i << ": malformed: " << why << "\n";
    }
    for (const auto& bad : ranking.invalid) {
      std::size_t i = file_index[bad.input_index];
      invalid.push_back({{"index", i},
                         {"public_key", core::to_hex(bad.vrf_key)},
                         {"reason", std::string(core::to_string(bad.reason.reason))},
                         {"detail", bad.reason.detail}});
      text << "invalid #" << i << ": " << bad.reason.message() << "\n";
    }
    if (ranking.ranked.empty())
      throw Failure(Exit::verification_failed, "no valid ticket among " +
                                                   std::to_string(tf.tickets.size() + tf.malformed.size()));
    nlohmann::json doc{{"alpha", core::to_hex(tf.alpha)},
                       {"leader", ranked[0]},
                       {"backups", nlohmann::json::array()},
                       {"ranked", ranked},
                       {"invalid", invalid}};
    for (std::size_t r = 1; r < ranked.size() && r <= 2; ++r) doc["backups"].push_back(ranked[r]);
    emit(g, "ios.lottery.rank.v1", doc, text.str());
  });
}

}  // namespace

void register_lottery(CLI::App& app, Globals& g) {
  auto* lottery = app.add_subcommand("lottery", "VRF leader lottery (RFC 9381 ECVRF): prove, verify, rank");
  lottery->require_subcommand(1);
  register_prove(*lottery, g);
  register_lottery_verify(*lottery, g);
  register_rank(*lottery, g);
}

}  // namespace ios::cli
