// ios epoch run / show / verify: the epoch chain (whitepaper §4–§5.1; node/protocol/epoch):
// records formed by the validators in the simulator or read from a running node, and offline
// verification of an epoch chain document against the genesis it starts from.
#include <sstream>

#include "cli/commands.hpp"
#include "cli/epoch_fetch.hpp"
#include "cli/user_file.hpp"
#include "node/protocol/epoch/epoch_record.hpp"
#include "node/sim/epoch_scenario.hpp"

namespace ios::cli {

namespace {

using namespace protocol::epoch;

inline constexpr std::size_t chain_json_bytes_max = std::size_t{256} << 20;

// The records of a chain document as a table: epoch, view, leader, signers, randomness.
std::string records_text(const nlohmann::json& records, std::size_t roster_size) {
  std::ostringstream t;
  t << "epoch  view  leader  signers  randomness\n";
  for (const auto& r : records) {
    char line[128];
    const auto signers = std::to_string(r["cosi"]["signers"].get<std::size_t>()) + "/" + std::to_string(roster_size);
    std::snprintf(line, sizeof line, "%-6llu %-5llu %-7u %-8s ", static_cast<unsigned long long>(r["epoch"].get<std::uint64_t>()),
                  static_cast<unsigned long long>(r["view"].get<std::uint64_t>()), r["leader"].get<unsigned>(), signers.c_str());
    t << line << r["randomness"].get<std::string>().substr(0, 16) << "…"
      << (r.contains("transcript") ? "  (with its DRP transcript)" : "") << "\n";
  }
  return t.str();
}

void register_epoch_run(CLI::App& epoch, Globals& g) {
  struct Args {
    sim::EpochRunOptions options;
    std::string out;
    std::string genesis_out;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = epoch.add_subcommand("run", "Form epochs among N validators in the simulator and write the epoch chain");
  auto& o = args->options;
  cmd->add_option("--validators", o.validators, "Validators in the roster")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--shards", o.shards, "Shards each record's assignment cuts the roster into")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--epochs", o.epochs, "Records to form after the genesis")->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_option("--seed", o.seed, "Simulation seed: same seed, same keys, same run")->capture_default_str();
  cmd->add_option("--latency-ms", o.latency_ms, "One-way link latency (plus up to 20% jitter)")->capture_default_str();
  cmd->add_option("--out", args->out, "Epoch chain document to write (JSON, ios.epoch.chain.v1)")->required();
  cmd->add_option("--genesis-out", args->genesis_out, "The run's genesis, to verify the chain against")->required();
  cmd->add_flag("--force", args->force, "Overwrite the output files");
  cmd->footer(
      "Each record: the lottery's winner ran RandHound with every validator, and at least 2/3 of\n"
      "the roster co-signed the record. Exit 5 when an epoch could not be formed.\n"
      "Example:\n  ios epoch run --validators 10 --shards 2 --epochs 3 --out chain.json --genesis-out genesis.json\n"
      "  ios epoch verify chain.json --genesis genesis.json");
  cmd->callback([args, &g] {
    auto& o = args->options;
    if (o.validators < o.shards * (o.believable + 4))
      throw Failure(Exit::usage, "--validators must give each of the " + std::to_string(o.shards) + " shards at least " +
                                     std::to_string(o.believable + 4) + " validators");
    check_writable_path("--out", args->out, args->force);
    check_writable_path("--genesis-out", args->genesis_out, args->force);
    note(g, "epoch: seed " + std::to_string(o.seed) + " (replay: ios epoch run --validators " + std::to_string(o.validators) +
                " --shards " + std::to_string(o.shards) + " --epochs " + std::to_string(o.epochs) + " --seed " +
                std::to_string(o.seed) + " ...)");
    const auto setup = sim::make_epoch_setup(o);
    auto r = sim::run_epochs(o);
    if (r.failure) throw Failure(Exit::failed_on_chain, *r.failure);
    auto verdict = verify_chain(*setup.genesis, r.chain);
    if (verdict.failure) throw Failure(Exit::internal, "own chain failed verification: " + verdict.failure->message());
    write_user_file("--genesis-out", args->genesis_out, chain::to_json(*setup.genesis).dump(1) + "\n", args->force);
    const auto doc = to_json(*setup.genesis, r.chain);
    write_user_file("--out", args->out, doc.dump(1) + "\n", args->force);
    nlohmann::json records = nlohmann::json::array();
    for (const auto& e : r.chain) {
      const auto& rec = e.signed_record.record;
      records.push_back({{"epoch", rec.epoch},
                         {"view", rec.view},
                         {"leader", rec.leader},
                         {"signers", e.signed_record.signature.mask.count()},
                         {"randomness", core::to_hex(rec.randomness)},
                         {"shards", rec.shards}});
    }
    std::ostringstream t;
    t << records_text(doc["records"], o.validators);
    t << "simulated " << r.simulated_ms << " ms, " << r.messages << " messages (" << r.bytes << " bytes)\n"
      << "chain     " << args->out << " (genesis " << args->genesis_out << ")\n";
    emit(g, "ios.epoch.run.v1",
         {{"records", records},
          {"seed", o.seed},
          {"simulated_ms", r.simulated_ms},
          {"messages", r.messages},
          {"bytes", r.bytes},
          {"chain_file", args->out},
          {"genesis_file", args->genesis_out}},
         t.str());
  });
}

void register_epoch_show(CLI::App& epoch, Globals& g) {
  auto which = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = epoch.add_subcommand("show", "Epoch record E from a running node, with the records before it back to the genesis");
  cmd->add_option("epoch", *which, "An epoch from 1, or latest")->required();
  cmd->add_option("--out", *out, "Write the epoch chain document (for `ios epoch verify`)");
  cmd->add_flag("--force", *force, "Overwrite --out");
  cmd->footer(
      "Record E carries its RandHound transcript; the records before it carry their links and\n"
      "co-signatures. Exit 3 if the node holds no record E yet.\n"
      "Examples:\n  ios epoch show latest\n"
      "  ios epoch show 3 --out chain.json && ios epoch verify chain.json --genesis .ios-devnet/genesis.json");
  cmd->callback([which, out, force, &g] {
    const auto epoch = parse_epoch_arg("EPOCH", *which);
    if (!out->empty()) check_writable_path("--out", *out, *force);
    auto doc = fetch_epoch_chain(g, epoch);
    const auto& chain = doc["chain"];
    if (!out->empty()) write_user_file("--out", *out, chain.dump(1) + "\n", *force);
    std::string text = records_text(chain["records"], chain["validators"].get<std::size_t>());
    doc.erase("schema");
    emit(g, "ios.epoch.show.v1", std::move(doc), text + (out->empty() ? "" : "chain    " + *out + "\n"));
  });
}

void register_epoch_verify(CLI::App& epoch, Globals& g) {
  auto file = std::make_shared<std::string>();
  auto genesis_path = std::make_shared<std::string>();
  auto* cmd = epoch.add_subcommand(
      "verify", "Verify an epoch chain offline from its genesis: exit 0, or 6 naming the first failing record and step");
  cmd->add_option("FILE", *file, "Epoch chain document (JSON, ios.epoch.chain.v1)")->required();
  cmd->add_option("--genesis", *genesis_path, "The chain's genesis.json: the anchor")->required();
  cmd->footer(
      "Steps per record: decode, link (epoch, genesis, previous hash, the leader's VRF ticket,\n"
      "the assignment recomputed from its randomness), transcript (the RandHound transcript,\n"
      "when present), signature (CoSi by at least 2/3 of the roster, plain Ed25519).\n"
      "Exit 2 for a file that is not an epoch chain document at all.\n"
      "Example:\n  ios epoch verify chain.json --genesis genesis.json --json");
  cmd->callback([file, genesis_path, &g] {
    const auto genesis = read_user_genesis(*genesis_path);
    const auto doc = read_user_json("epoch chain", *file, chain_json_bytes_max);
    auto verdict = verify_chain_document(genesis, doc);
    if (!verdict) throw Failure(Exit::usage, *file + ": " + verdict.error().detail);
    if (verdict->failure) {
      const auto& f = *verdict->failure;
      throw Failure(Exit::verification_failed, "epoch chain invalid at " + f.message(),
                    {{"epoch", f.epoch},
                     {"step", f.step},
                     {"reason", std::string(core::to_string(f.error.reason))},
                     {"detail", f.error.detail},
                     {"verified_epochs", verdict->epochs}});
    }
    emit(g, "ios.epoch.verify.v1",
         {{"valid", true}, {"epochs", verdict->epochs}, {"last_record_hash", core::to_hex(verdict->last_hash)}},
         "valid: " + std::to_string(verdict->epochs) + " records from the genesis, last " +
             core::to_hex(verdict->last_hash) + "\n");
  });
}

}  // namespace

void register_epoch(CLI::App& app, Globals& g) {
  auto* epoch = app.add_subcommand("epoch", "The epoch chain: form it in the simulator, show a node's, verify it offline");
  epoch->require_subcommand(1);
  register_epoch_run(*epoch, g);
  register_epoch_show(*epoch, g);
  register_epoch_verify(*epoch, g);
}

}  // namespace ios::cli
