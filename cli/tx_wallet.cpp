#include "cli/tx_wallet.hpp"

#include "cli/shard_route.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "cli/keyfile.hpp"
#include "devnet/home.hpp"
#include "devnet/state.hpp"

namespace ios::cli {

namespace {

std::uint64_t elapsed_ms(Clock::time_point since) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

std::uint64_t fresh_nonce() {
  // Two transfers of the same amount between the same coins must still differ in id only if
  // they spend different coins; the nonce keeps ids of otherwise equal transfers apart.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

const std::string* json_string(const nlohmann::json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

}  // namespace

std::string devnet_home(const Globals& g) { return g.home.empty() ? std::string(devnet::default_home) : g.home; }

std::vector<std::string> devnet_node_urls(const std::string& home) {
  auto state = devnet::read_state(std::filesystem::path(home) / "state.json");
  if (!state) {
    if (state.error().kind == devnet::ErrorKind::not_found)
      throw Failure(Exit::not_found, "no devnet at " + home + " (run `ios devnet up`, or pass --rpc URL)");
    throw Failure(Exit::usage, state.error().message);
  }
  std::vector<std::string> urls;
  for (const auto& n : state->nodes) {
    if (n.pid != 0 && !n.rpc_url.empty()) urls.push_back(n.rpc_url);
  }
  return urls;
}

std::optional<TxTarget> target_of(const std::string& url, const nlohmann::json& status) {
  const auto* chain_id = json_string(status, "chain_id");
  if (chain_id == nullptr || chain_id->empty()) return std::nullopt;
  TxTarget t{url, *chain_id};
  t.shard = status.value("shard", 0u);
  t.shards = std::max(1u, status.value("shards", 1u));
  t.joining = status.value("role", "") == "joining";
  if (const auto segments = status.find("segments"); segments != status.end() && segments->is_array()) {
    t.running = false;
    for (const auto& s : *segments)
      if (s.is_object() && s.value("shard", t.shard + 1) == t.shard && !s.value("ended", true)) t.running = true;
  }
  return t;
}

namespace {

// Each running devnet node that answers, in node order; `stop` ends the walk early.
void each_devnet_target(const std::string& home, const std::function<bool(const TxTarget&)>& stop) {
  for (const auto& url : devnet_node_urls(home)) {
    rpc::RpcClient client(url, 1000);
    auto status = client.status();
    if (!status) continue;
    if (auto t = target_of(url, *status); t && stop(*t)) return;
  }
}

}  // namespace

std::vector<TxTarget> devnet_targets(const std::string& home) {
  std::vector<TxTarget> out;
  each_devnet_target(home, [&](const TxTarget& t) { return out.push_back(t), false; });
  return out;
}

TxTarget target_at(const std::string& rpc_url) {
  rpc::RpcClient client(rpc_url, 3000);
  auto status = client.status();
  if (!status) fail_rpc(status.error(), "node " + rpc_url);
  auto t = target_of(rpc_url, *status);
  if (!t) throw Failure(Exit::internal, "node " + rpc_url + " reports no chain_id");
  return *t;
}

TxTarget find_target(const Globals& g) {
  if (!g.rpc.empty()) return target_at(g.rpc);
  const auto home = devnet_home(g);
  std::optional<TxTarget> found;
  each_devnet_target(home, [&](const TxTarget& t) { return found.emplace(t), true; });
  if (!found) throw Failure(Exit::unreachable, "no node of the devnet at " + home + " answers (is it up?)");
  return *found;
}

TxTarget find_shard_target(const Globals& g, std::uint32_t shard, const std::string& why) {
  if (!g.rpc.empty()) {
    auto t = target_at(g.rpc);
    if (t.shard != shard % t.shards)
      throw Failure(Exit::usage, "node " + g.rpc + " serves shard " + std::to_string(t.shard) + " of " +
                                     std::to_string(t.shards) + "; " + why + " shard " + std::to_string(shard % t.shards) +
                                     " (ios devnet status lists each node's shard)");
    return t;
  }
  const auto home = devnet_home(g);
  std::optional<TxTarget> found;
  bool any = false;
  each_devnet_target(home, [&](const TxTarget& t) {
    any = true;
    if (t.shard == shard % t.shards && !t.joining) found = t;
    return found.has_value();
  });
  if (found) return *found;
  if (!any) throw Failure(Exit::unreachable, "no node of the devnet at " + home + " answers (is it up?)");
  throw Failure(Exit::unreachable, "no node of shard " + std::to_string(shard) + " of the devnet at " + home + " answers");
}

LocatedTx locate_tx(const Globals& g, const core::Hash32& hash, std::chrono::steady_clock::time_point deadline) {
  const auto targets = targets_per_shard(g);
  // One node: ask as often as a wait does; every shard's: a little less eagerly.
  const auto interval = std::chrono::milliseconds(targets.size() == 1 ? tx_poll_interval_ms : tx_locate_interval_ms);
  std::optional<LocatedTx> first;
  std::optional<rpc::RpcError> failed;
  for (;;) {
    for (const auto& t : targets) {
      // A shard whose node does not answer cannot hold the answer here, but another may.
      auto s = rpc::RpcClient(t.rpc_url).tx_status(hash);
      if (!s) {
        failed = s.error();
        continue;
      }
      if (s->state != rpc::TxState::unknown) return {t, *s};
      if (!first) first = LocatedTx{t, *s};
    }
    if (!first) fail_rpc(*failed, "node " + targets.front().rpc_url);  // no shard answered at all
    if (std::chrono::steady_clock::now() >= deadline) return *first;
    std::this_thread::sleep_for(interval);
  }
}

TxTarget find_target_for(const Globals& g, const chain::Address& account) {
  const auto why = account.to_string() + " lives in";
  if (!g.rpc.empty()) {
    const auto t = target_at(g.rpc);
    return find_shard_target(g, account.shard(t.shards), why);
  }
  // One walk over the devnet: each node's status says how many shards there are and which it serves.
  const auto home = devnet_home(g);
  std::optional<TxTarget> found;
  std::optional<std::uint32_t> wanted;
  each_devnet_target(home, [&](const TxTarget& t) {
    wanted = account.shard(t.shards);
    if (t.shard == *wanted && !t.joining) found = t;
    return found.has_value();
  });
  if (found) return *found;
  if (!wanted) throw Failure(Exit::unreachable, "no node of the devnet at " + home + " answers (is it up?)");
  throw Failure(Exit::unreachable, "no node of shard " + std::to_string(*wanted) + " of the devnet at " + home +
                                       " answers; " + why + " it");
}

std::vector<TxTarget> targets_per_shard(const Globals& g) {
  if (!g.rpc.empty()) return {target_at(g.rpc)};  // the node the user named, and only it
  // The first answering node of each shard; a shard none of whose nodes answers is left out.
  std::map<std::uint32_t, TxTarget> by_shard;
  each_devnet_target(devnet_home(g), [&](const TxTarget& t) {
    if (!t.joining) by_shard.try_emplace(t.shard, t);
    return by_shard.size() == t.shards;
  });
  if (by_shard.empty())
    throw Failure(Exit::unreachable, "no node of the devnet at " + devnet_home(g) + " answers (is it up?)");
  std::vector<TxTarget> out;
  for (auto& [shard, t] : by_shard) out.push_back(std::move(t));
  return out;
}

std::vector<DevnetAccount> devnet_accounts(const std::string& home) {
  const auto path = std::filesystem::path(home) / "accounts" / "accounts.json";
  std::ifstream in(path);
  if (!in) return {};
  auto doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  const auto version = doc.is_object() ? doc.find("version") : doc.end();
  if (!doc.is_object() || version == doc.end() || !version->is_number_unsigned())
    throw Failure(Exit::usage, path.string() + ": not an accounts document");
  if (version->get<std::uint64_t>() > 1)
    throw Failure(Exit::usage, path.string() + ": version " + version->dump() + " is newer than this ios understands");
  auto list = doc.find("accounts");
  if (list == doc.end() || !list->is_array()) throw Failure(Exit::usage, path.string() + ": no \"accounts\" list");
  std::vector<DevnetAccount> out;
  for (const auto& a : *list) {
    const auto* name = a.is_object() ? json_string(a, "name") : nullptr;
    const auto* address = a.is_object() ? json_string(a, "address") : nullptr;
    if (name == nullptr || address == nullptr) throw Failure(Exit::usage, path.string() + ": an account lacks name or address");
    auto parsed = chain::Address::parse(*address);
    if (!parsed) throw Failure(Exit::usage, path.string() + ": account " + *name + ": " + parsed.error().message());
    out.push_back({*name, *parsed});
  }
  return out;
}

Sender load_sender(const std::string& home, const std::string& account, const PasswordSource& password) {
  std::string keystore;
  for (const auto& a : devnet_accounts(home)) {
    if (a.name == account) keystore = (std::filesystem::path(home) / "accounts" / (a.name + ".json")).string();
  }
  if (keystore.empty()) {
    if (!std::filesystem::is_regular_file(account))
      throw Failure(Exit::not_found, "unknown account '" + account + "': neither an account of the devnet at " + home +
                                         " nor a keystore file");
    keystore = account;
  }
  const auto identity = unlock_keystore(keystore, password);
  auto key = std::make_shared<const crypto::SigningKey>(identity.signing_key());
  return Sender{account, chain::Address::from_public_key(key->public_key()), std::move(key)};
}

chain::Address resolve_recipient(const std::string& home, const std::string& text) {
  // BIP-350 allows an address in all upper case (QR codes use it); the decoder accepts either
  // case and refuses a mixture, so the prefix test here must not be the one to refuse it.
  std::string prefix = text.substr(0, 4);
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (prefix == "ios1") {
    auto a = chain::Address::parse(text);
    if (!a) throw Failure(Exit::usage, "--to: " + a.error().message());
    return *a;
  }
  for (const auto& a : devnet_accounts(home)) {
    if (a.name == text) return a.address;
  }
  // A keystore file, as --from takes one: its public part is enough (no password).
  if (std::filesystem::is_regular_file(text))
    return chain::Address::from_public_key(read_keystore_public(text).identity.signing);
  throw Failure(Exit::not_found, "unknown account '" + text + "' (not an ios1 address, an account of the devnet at " +
                                     home + ", nor a keystore file)");
}

chain::Amount parse_amount_arg(const std::string& flag, const std::string& text) {
  auto a = chain::parse_amount(text);
  if (!a) throw Failure(Exit::usage, flag + ": " + a.error().message());
  return *a;
}

std::vector<Coin> fetch_coins(const rpc::RpcClient& client, const chain::Address& address) {
  auto doc = client.account(address);
  if (!doc) fail_rpc(doc.error(), "account " + address.to_string());
  std::vector<Coin> coins;
  auto list = doc->find("utxos");
  if (list == doc->end() || !list->is_array()) throw Failure(Exit::internal, "the node's account document has no utxos");
  for (const auto& u : *list) {
    const auto* tx = u.is_object() ? json_string(u, "tx") : nullptr;
    const auto* amount = u.is_object() ? json_string(u, "amount") : nullptr;
    auto index = u.is_object() ? u.find("index") : u.end();
    auto hash = tx != nullptr ? core::from_hex_fixed<32>(*tx) : std::nullopt;
    std::optional<chain::Amount> value;
    if (amount != nullptr) {
      if (auto v = chain::parse_amount(*amount)) value = *v;
    }
    if (!hash || !value || index == u.end() || !index->is_number_unsigned() || index->get<std::uint64_t>() > UINT32_MAX)
      throw Failure(Exit::internal, "the node's account document has a malformed utxo: " + u.dump());
    coins.push_back({chain::OutPoint{*hash, static_cast<std::uint32_t>(index->get<std::uint64_t>())}, *value});
  }
  return coins;
}

std::optional<Transfer> build_transfer(const Sender& from, std::vector<Coin>& coins, const chain::Address& to,
                                       chain::Amount amount, chain::Amount fee, core::ByteView chain_id) {
  std::stable_sort(coins.begin(), coins.end(), [](const Coin& a, const Coin& b) { return a.amount > b.amount; });
  const auto need = chain::add_amount(amount, fee);
  if (!need) return std::nullopt;
  std::size_t used = 0;
  chain::Amount total = 0;
  while (used < coins.size() && used < chain::tx_inputs_max && total < *need) total += coins[used++].amount;
  if (total < *need) return std::nullopt;
  Transfer t;
  std::vector<std::pair<chain::OutPoint, const crypto::SigningKey*>> inputs;
  for (std::size_t i = 0; i < used; ++i) {
    inputs.emplace_back(coins[i].point, from.key.get());
    t.spent.push_back(coins[i]);
  }
  std::vector<chain::TxOutput> outputs{{to, chain::Asset::ios, amount}};
  const chain::Amount rest = total - *need;
  if (rest > 0) outputs.push_back({from.address, chain::Asset::ios, rest});
  t.tx = chain::make_transfer(std::move(inputs), std::move(outputs), fee, fresh_nonce(), chain_id);
  t.hash = chain::tx_hash(t.tx);
  if (rest > 0) t.change = Coin{chain::OutPoint{t.hash, 1}, rest};
  coins.erase(coins.begin(), coins.begin() + static_cast<std::ptrdiff_t>(used));
  return t;
}

Transfer chain_transfer(const Sender& from, const Coin& coin, const chain::Address& to, chain::Amount amount,
                        chain::Amount fee, core::ByteView chain_id, std::uint64_t nonce) {
  IOS_ASSERT(coin.amount > amount + fee);
  Transfer t;
  const chain::Amount rest = coin.amount - amount - fee;
  t.tx = chain::make_transfer({{coin.point, from.key.get()}},
                              {{to, chain::Asset::ios, amount}, {from.address, chain::Asset::ios, rest}}, fee, nonce, chain_id);
  t.hash = chain::tx_hash(t.tx);
  t.change = Coin{chain::OutPoint{t.hash, 1}, rest};
  t.spent.push_back(coin);
  return t;
}

WaitLevel parse_wait_level(const std::string& flag, const std::string& text) {
  if (text == "none") return WaitLevel::none;
  if (text == "optimistic") return WaitLevel::optimistic;
  if (text == "final") return WaitLevel::final;
  throw Failure(Exit::usage, flag + ": expected none, optimistic or final, got '" + text + "'");
}

std::string_view to_string(WaitLevel level) {
  switch (level) {
    case WaitLevel::none: return "none";
    case WaitLevel::optimistic: return "optimistic";
    case WaitLevel::final: return "final";
  }
  return "none";
}

bool reached(rpc::TxState state, WaitLevel level) {
  switch (level) {
    case WaitLevel::none: return true;
    case WaitLevel::optimistic: return state == rpc::TxState::optimistic || state == rpc::TxState::final;
    case WaitLevel::final: return state == rpc::TxState::final;
  }
  return false;
}

bool resubmit_due(rpc::TxState state, std::uint64_t since_sent_ms) {
  switch (state) {
    case rpc::TxState::pending:
    case rpc::TxState::unknown:
      return since_sent_ms >= tx_resubmit_ms;
    case rpc::TxState::optimistic:
      return since_sent_ms >= tx_optimistic_resubmit_ms;
    default:
      return false;  // final or rejected
  }
}

bool refused_for(const std::string& reason, core::Reject why) { return reason.starts_with(core::to_string(why)); }

bool submit_transfer(ShardRoute& route, const chain::Tx& tx, Outcome& out) {
  out.hash = chain::tx_hash(tx);
  const auto refused = [](const rpc::SubmitResult& a, core::Reject why) { return !a.accepted && refused_for(a.reason, why); };
  auto answer = route.client().submit(tx);
  out.last_sent = Clock::now();
  // The shard is between two epochs' segments on this node (TransEpoch): its next one starts
  // with the next epoch record, within a few Δ. Offer it again meanwhile. A node that left the
  // shard: offer it to one that serves it now (the same bound on tries covers both).
  for (int tries = 0; answer && tries < submit_between_segments_tries; ++tries) {
    if (refused(*answer, core::Reject::between_segments))
      std::this_thread::sleep_for(std::chrono::milliseconds(submit_between_segments_wait_ms));
    else if (!refused(*answer, core::Reject::wrong_shard) || !route.reroute())
      break;
    out.last_sent = Clock::now();
    answer = route.client().submit(tx);
  }
  if (!answer) {
    out.unreachable = answer.error().kind == rpc::RpcErrorKind::unreachable;
    out.error = answer.error().message;
    return false;
  }
  if (!answer->accepted) {
    out.state = rpc::TxState::rejected;
    out.reason = answer->reason;
    return false;
  }
  out.state = rpc::TxState::pending;
  return true;
}

void observe_transfer(ShardRoute& route, Clock::time_point submitted_at, Outcome& out, const chain::Tx* tx) {
  const auto since_sent =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - out.last_sent).count());
  const bool moved = route.follow();
  if (tx != nullptr && (moved || resubmit_due(out.state, since_sent))) {
    out.last_sent = Clock::now();
    (void)route.client().submit(*tx);  // the answer that counts is the state polled next
  }
  IOS_ASSERT(out.hash.has_value());  // only a submitted transfer is observed
  auto s = route.client().tx_status(*out.hash);
  if (!s) {
    if (s.error().kind != rpc::RpcErrorKind::unreachable) out.error = s.error().message;
    return;
  }
  // A restarted node may briefly not know a transaction it accepted: keep the last state. Nor,
  // once the route moved, is a refusal for an unknown input a verdict on a transfer a node
  // accepted: it is the new node's answer to the resubmission, whose parent it has not applied
  // yet (settle_unfinished reads it the same way).
  if (s->state == rpc::TxState::unknown) return;
  if (route.moved() && s->state == rpc::TxState::rejected && refused_for(s->reason, core::Reject::unknown_input) &&
      out.state != rpc::TxState::unknown)
    return;
  out.state = s->state;
  if (s->height) out.height = s->height;
  if (!s->reason.empty()) out.reason = s->reason;
  if (reached(out.state, WaitLevel::optimistic) && !out.optimistic_ms) out.optimistic_ms = elapsed_ms(submitted_at);
  if (out.state == rpc::TxState::final && !out.final_ms) out.final_ms = elapsed_ms(submitted_at);
}

void follow_transfer(ShardRoute& route, WaitLevel level, Clock::time_point submitted_at, Clock::time_point deadline,
                     Outcome& out, const chain::Tx* tx) {
  while (!reached(out.state, level)) {
    observe_transfer(route, submitted_at, out, tx);
    if (reached(out.state, level) || out.state == rpc::TxState::rejected || !out.error.empty()) return;
    if (Clock::now() >= deadline) {
      out.timed_out = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(tx_poll_interval_ms));
  }
}

nlohmann::json outcome_json(const Outcome& out) {
  nlohmann::json doc{{"state", std::string(rpc::to_string(out.state))}};
  if (out.hash) doc["hash"] = core::to_hex(*out.hash);
  if (out.height) doc["height"] = *out.height;
  nlohmann::json latency = nlohmann::json::object();
  if (out.optimistic_ms) latency["optimistic"] = *out.optimistic_ms;
  if (out.final_ms) latency["final"] = *out.final_ms;
  doc["latency_ms"] = latency;
  if (!out.reason.empty()) doc["reason"] = out.reason;
  if (out.timed_out) doc["timed_out"] = true;
  if (!out.error.empty()) doc["error"] = out.error;
  return doc;
}

std::string outcome_text(const Outcome& out) {
  std::ostringstream t;
  t << (out.hash ? core::to_hex(*out.hash) : std::string("(not sent)")) << " " << rpc::to_string(out.state);
  if (out.height) t << " at height " << *out.height;
  if (out.optimistic_ms) t << "; optimistic after " << *out.optimistic_ms << " ms";
  if (out.final_ms) t << "; final after " << *out.final_ms << " ms";
  if (!out.reason.empty()) t << "; " << out.reason;
  if (out.timed_out) t << "; timed out";
  if (!out.error.empty()) t << "; " << out.error;
  return t.str();
}

Exit outcome_exit(const Outcome& out) {
  if (out.unreachable) return Exit::unreachable;
  if (!out.error.empty()) return Exit::internal;
  if (out.state == rpc::TxState::rejected) return Exit::failed_on_chain;
  if (out.timed_out) return Exit::timeout;
  return Exit::ok;
}

void fail_rpc(const rpc::RpcError& error, const std::string& context) {
  Exit exit = Exit::internal;
  switch (error.kind) {
    case rpc::RpcErrorKind::bad_url: exit = Exit::usage; break;
    case rpc::RpcErrorKind::unreachable: exit = Exit::unreachable; break;
    case rpc::RpcErrorKind::http_error:
      // 421: the node serves another shard than the account asked about (a node named by --rpc).
      exit = error.http_status == 404 ? Exit::not_found : error.http_status == 421 ? Exit::usage : Exit::internal;
      break;
    case rpc::RpcErrorKind::bad_response: exit = Exit::internal; break;
  }
  throw Failure(exit, context + ": " + error.message);
}

}  // namespace ios::cli
