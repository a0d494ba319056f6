// ios drp run / verify / show: the distributed randomness protocol (whitepaper §4, RandHound)
// in the simulator, and offline verification of its transcripts.
#include <chrono>
#include <filesystem>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/epoch_fetch.hpp"
#include "cli/user_file.hpp"
#include "node/crypto/keystore_file.hpp"
#include "node/protocol/drp/verify.hpp"
#include "node/sim/drp_scenario.hpp"

namespace ios::cli {

namespace {

using protocol::drp::Transcript;

// A transcript of 4096 servers in 64 groups is a few MiB; the limit only stops a wrong path.
inline constexpr std::size_t transcript_json_bytes_max = std::size_t{256} << 20;

double cpu_now_s() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// The chain whose validators the servers are, from --genesis: their proofs of possession are
// bound to its chain id (an epoch's DRP); none for keystores (`ios drp run`).
std::string pop_chain_of(const std::string& genesis_path) {
  return genesis_path.empty() ? std::string() : read_user_genesis(genesis_path).chain_id;
}

Transcript transcript_of(const nlohmann::json& j, const std::string& path, const std::string& pop_chain) {
  auto t = protocol::drp::transcript_from_json(j, core::as_bytes(pop_chain));
  // A document whose readable claims contradict its own signed encodings fails verification;
  // anything else that does not decode is malformed.
  if (!t && t.error().reason == core::Reject::bad_proof)
    throw Failure(Exit::verification_failed, path + ": " + t.error().message(), {{"step", "document"}});
  // The decoder names the field in its own words ("missing field \"r2\""); the reason code
  // adds nothing for a document that is simply malformed.
  const auto reason = t ? core::Reject::bad_json : t.error().reason;
  if (!t && (reason == core::Reject::bad_json || reason == core::Reject::bad_hex))
    throw Failure(Exit::usage, "transcript " + path + ": " + t.error().detail);
  if (!t) throw Failure(Exit::usage, "transcript " + path + ": not a valid transcript: " + t.error().message());
  return *t;
}

Transcript load_transcript(const std::string& path, const std::string& pop_chain = {}) {
  return transcript_of(read_user_json("transcript", path, transcript_json_bytes_max), path, pop_chain);
}

void register_drp_run(CLI::App& drp, Globals& g) {
  struct Args {
    sim::DrpRunOptions options;
    std::string out;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = drp.add_subcommand("run", "Run RandHound among N servers in the simulator and write its transcript");
  cmd->add_option("--servers", args->options.servers, "Number of servers N")->required()->check(CLI::Range(1, 4096));
  cmd->add_option("--groups", args->options.groups, "Number of groups G (1..N)")->required()->check(CLI::Range(1, 4096));
  cmd->add_option("--faulty", args->options.silent, "Servers that stay silent (spread over groups)")->capture_default_str();
  cmd->add_option("--latency-ms", args->options.latency_ms, "One-way link latency (plus up to 20% jitter)")->capture_default_str();
  cmd->add_option("--seed", args->options.seed, "Simulation seed: same seed, same keys, same run")->capture_default_str();
  cmd->add_option("--phase-timeout-ms", args->options.timing.phase_timeout_ms, "Client deadline per phase (simulated)")
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Transcript file to write (JSON)")->required();
  cmd->add_flag("--force", args->force, "Overwrite --out");
  cmd->footer(
      "Exit 5 when the run produced no output (e.g. more silent servers than the groups tolerate).\n"
      "Example:\n  ios drp run --servers 64 --groups 4 --faulty 8 --seed 7 --out drp.json && ios drp verify drp.json");
  cmd->callback([args, &g] {
    auto& o = args->options;
    if (o.groups > o.servers) throw Failure(Exit::usage, "--groups must not exceed --servers");
    check_writable_path("--out", args->out, args->force);
    note(g, "drp: seed " + std::to_string(o.seed) + " (replay: ios drp run --servers " + std::to_string(o.servers) +
                " --groups " + std::to_string(o.groups) + " --faulty " + std::to_string(o.silent) + " --seed " +
                std::to_string(o.seed) + " ...)");
    double cpu0 = cpu_now_s();
    auto r = sim::run_drp(o);
    double run_cpu = cpu_now_s() - cpu0;
    if (!r.transcript) throw Failure(Exit::failed_on_chain, "no output: " + r.failure.value_or("unknown"));
    double v0 = cpu_now_s();
    auto outcome = protocol::drp::verify_transcript(*r.transcript);
    double verify_cpu = cpu_now_s() - v0;
    if (!outcome.verified) throw Failure(Exit::internal, "own transcript failed verification: " + outcome.failure->message());
    auto json = protocol::drp::to_json(*r.transcript);
    auto text = json.dump(1) + "\n";
    write_user_file("--out", args->out, text, args->force);
    // The size of the file written (what `ls -l` shows), and of the canonical encoding inside it
    // (hex in the file: the JSON is more than twice as large).
    const auto transcript_bytes = text.size();
    const auto encoded_bytes = protocol::drp::encode(*r.transcript).size();
    nlohmann::json doc{{"randomness", core::to_hex(r.transcript->randomness)},
                       {"session_id", core::to_hex(outcome.verified->session)},
                       {"servers", o.servers},
                       {"groups", o.groups},
                       {"silent", o.silent},
                       {"seed", o.seed},
                       {"chosen_dealers", outcome.verified->dealers},
                       {"signers", r.transcript->choice_signature.mask.count()},
                       {"simulated_ms", r.simulated_ms},
                       {"cpu_s",
                        {{"client", r.client_cpu_s},
                         {"servers_total", r.servers_cpu_s},
                         {"server_max", r.server_cpu_s_max},
                         {"total", r.client_cpu_s + r.servers_cpu_s},
                         {"run_including_setup", run_cpu}}},
                       {"verify_cpu_s", verify_cpu},
                       {"messages", r.messages},
                       {"bytes", r.bytes},
                       {"transcript_bytes", transcript_bytes},
                       {"transcript_encoded_bytes", encoded_bytes},
                       {"transcript_file", args->out}};
    std::ostringstream t;
    t << "randomness  " << core::to_hex(r.transcript->randomness) << "\n"
      << "servers     " << o.servers << " in " << o.groups << " groups, " << o.silent << " silent, "
      << outcome.verified->dealers << " dealers chosen, " << r.transcript->choice_signature.mask.count()
      << " co-signed the choice\n"
      << "simulated   " << r.simulated_ms << " ms at " << o.latency_ms << " ms latency\n"
      << "cpu         client " << r.client_cpu_s << " s, servers " << r.servers_cpu_s << " s (max "
      << r.server_cpu_s_max << " s), verify " << verify_cpu << " s\n"
      << "messages    " << r.messages << " (" << r.bytes << " bytes); transcript " << transcript_bytes << " bytes ("
      << encoded_bytes << " encoded)\n"
      << "transcript  " << args->out << "\n";
    emit(g, "ios.drp.run.v1", doc, t.str());
  });
}

void register_drp_verify(CLI::App& drp, Globals& g) {
  auto file = std::make_shared<std::string>();
  auto genesis = std::make_shared<std::string>();
  auto* cmd = drp.add_subcommand("verify", "Verify a RandHound transcript offline: exit 0 with the output, 6 naming the failing step");
  cmd->add_option("FILE", *file, "Transcript (JSON, from ios drp run or ios drp show --epoch)")->required();
  cmd->add_option("--genesis", *genesis, "For an epoch's transcript: the chain whose validators were the servers");
  cmd->footer(
      "Examples:\n  ios drp verify drp.json --json\n"
      "  ios drp show --epoch 3 --out rnd3.json && ios drp verify rnd3.json --genesis .ios-devnet/genesis.json");
  cmd->callback([file, genesis, &g] {
    const auto pop_chain = pop_chain_of(*genesis);
    auto t = load_transcript(*file, pop_chain);
    auto outcome = protocol::drp::verify_transcript(t, core::as_bytes(pop_chain));
    if (!outcome.verified)
      throw Failure(Exit::verification_failed, "transcript invalid at step " + outcome.failure->message(),
                    {{"step", std::string(protocol::drp::to_string(outcome.failure->step))},
                     {"reason", std::string(core::to_string(outcome.failure->error.reason))},
                     {"detail", outcome.failure->error.detail}});
    emit(g, "ios.drp.verify.v1",
         {{"valid", true},
          {"randomness", core::to_hex(outcome.verified->randomness)},
          {"session_id", core::to_hex(outcome.verified->session)},
          {"dealers", outcome.verified->dealers},
          {"r2", outcome.verified->r2_count}},
         "valid\nrandomness " + core::to_hex(outcome.verified->randomness) + "\n");
  });
}

void register_drp_show(CLI::App& drp, Globals& g) {
  struct Args {
    std::string file;
    std::string epoch;
    std::string out;
    bool force = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = drp.add_subcommand("show", "Summarise a transcript (a file, or epoch E's from a running node): groups, dealers, output");
  auto* file = cmd->add_option("FILE", args->file, "Transcript (JSON)");
  auto* epoch = cmd->add_option("--epoch", args->epoch, "Epoch E's transcript from a running node (E from 1, or latest)");
  file->excludes(epoch);
  cmd->add_option("--out", args->out, "With --epoch: write the transcript (for `ios drp verify --genesis`)");
  cmd->add_flag("--force", args->force, "Overwrite --out");
  cmd->footer(
      "Does not verify; use `ios drp verify`.\nExamples:\n  ios drp show drp.json\n"
      "  ios drp show --epoch latest --out rnd.json && ios drp verify rnd.json --genesis .ios-devnet/genesis.json");
  cmd->callback([args, &g] {
    if (args->file.empty() == args->epoch.empty()) throw Failure(Exit::usage, "give a transcript FILE or --epoch E");
    if (!args->out.empty() && args->epoch.empty()) throw Failure(Exit::usage, "--out goes with --epoch");
    Transcript t;
    if (!args->epoch.empty()) {
      const auto e = parse_epoch_arg("--epoch", args->epoch);
      if (!args->out.empty()) check_writable_path("--out", args->out, args->force);
      const auto doc = fetch_epoch_chain(g, e);
      const auto& record = doc["chain"]["records"].back();
      if (!record.contains("transcript"))
        throw Failure(Exit::not_found, "the node holds epoch " + std::to_string(record["epoch"].get<std::uint64_t>()) +
                                           "'s record but not its transcript (it adopted the record from a relay)");
      const auto chain_id = doc["chain"]["chain_id"].get<std::string>();
      t = transcript_of(record["transcript"], "epoch " + args->epoch, chain_id);
      if (!args->out.empty()) write_user_file("--out", args->out, record["transcript"].dump(1) + "\n", args->force);
    } else {
      t = load_transcript(args->file);
    }
    auto session = protocol::drp::session_id(t.config);
    auto groups = protocol::drp::grouping(t.config, session);
    std::ostringstream out;
    nlohmann::json jg = nlohmann::json::array();
    out << "session     " << core::to_hex(session) << "\n"
        << "purpose     " << t.config.purpose << "\n"
        << "servers     " << t.config.servers.size() << " in " << groups.size() << " groups\n";
    for (std::size_t k = 0; k < groups.size(); ++k) {
      const auto chosen = k < t.choice.dealers.size() ? t.choice.dealers[k] : std::vector<std::uint32_t>{};
      out << "group " << k << "     " << groups[k].members.size() << " members, threshold " << groups[k].threshold << ", "
          << chosen.size() << " dealers chosen\n";
      jg.push_back({{"members", groups[k].members}, {"threshold", groups[k].threshold}, {"chosen_dealers", chosen}});
    }
    out << "co-signers  " << t.choice_signature.mask.count() << " of " << t.config.servers.size() << "\n"
        << "r2          " << t.r2s.size() << " servers answered\n"
        << "randomness  " << core::to_hex(t.randomness) << " (claimed)\n";
    emit(g, "ios.drp.show.v1",
         {{"session_id", core::to_hex(session)},
          {"purpose", t.config.purpose},
          {"servers", t.config.servers.size()},
          {"groups", jg},
          {"signers", t.choice_signature.mask.count()},
          {"r2", t.r2s.size()},
          {"randomness", core::to_hex(t.randomness)}},
         out.str());
  });
}

}  // namespace

void register_drp(CLI::App& app, Globals& g) {
  auto* drp = app.add_subcommand("drp", "Distributed randomness (RandHound): run in the simulator, verify, show");
  drp->require_subcommand(1);
  register_drp_run(*drp, g);
  register_drp_verify(*drp, g);
  register_drp_show(*drp, g);
}

}  // namespace ios::cli
