// ios devnet without real nodes: the home that `init` writes (deterministic from --seed,
// refusing to overwrite, secret files 0600), the state.json / ports.json documents, readiness
// evaluation, and the supervisor driven end to end with a stub node (IOS_DEVNET_NODE_CMD, a
// small Python program that binds two ports, writes ports.json and answers /v1/status).
// Devnets of real `ios node` processes are tested in tests/devnet.
#include <gtest/gtest.h>
#include <map>
#include <signal.h>
#include <sys/stat.h>

#include "cli/run_ios.hpp"
#include "devnet/health.hpp"
#include "devnet/process.hpp"
#include "devnet/state.hpp"
#include "node/crypto/keystore.hpp"

using ios::test::run_ios;
using ios::test::slurp;
using ios::test::TempDir;
using nlohmann::json;

namespace {

std::string home_flag(const TempDir& d, const std::string& name = "devnet") { return " --home " + (d / name); }

unsigned mode_of(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

ios::crypto::PublicIdentity keystore_identity(const std::string& path) {
  auto pub = ios::crypto::keystore_read_public(slurp(path));
  EXPECT_TRUE(pub.ok()) << path;
  return pub->identity;
}

}  // namespace

TEST(CliDevnetHome, SameSeedSameGenesisAndKeysOtherSeedOtherGenesis) {
  TempDir d;
  auto a = run_ios("devnet init --seed 5 --json" + home_flag(d, "a"));
  auto b = run_ios("devnet init --seed 5 --json" + home_flag(d, "b"));
  auto c = run_ios("devnet init --seed 6 --json" + home_flag(d, "c"));
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(b.code, 0) << b.err;
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_EQ(a.json()["schema"], "ios.devnet.init.v1");
  EXPECT_EQ(a.json()["genesis_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(a.json()["genesis_hash"], b.json()["genesis_hash"]);
  EXPECT_NE(a.json()["genesis_hash"], c.json()["genesis_hash"]);
  EXPECT_EQ(a.json()["chain_id"], "ios-devnet-5");
  EXPECT_EQ(slurp(d / "a/genesis.json"), slurp(d / "b/genesis.json"));
  EXPECT_EQ(slurp(d / "a/accounts/accounts.json"), slurp(d / "b/accounts/accounts.json"));
  for (const char* key : {"nodes/node0/key.json", "nodes/node5/key.json", "accounts/acct0.json", "accounts/acct15.json"}) {
    EXPECT_EQ(keystore_identity(d / (std::string("a/") + key)), keystore_identity(d / (std::string("b/") + key))) << key;
    EXPECT_NE(keystore_identity(d / (std::string("a/") + key)), keystore_identity(d / (std::string("c/") + key))) << key;
  }
  // The text form prints the genesis hash too.
  auto text = run_ios("devnet init --seed 5" + home_flag(d, "t"));
  ASSERT_EQ(text.code, 0);
  EXPECT_NE(text.out.find(a.json()["genesis_hash"].get<std::string>()), std::string::npos);
}

TEST(CliDevnetHome, InitOnAnExistingHomeExits9AndTouchesNothing) {
  TempDir d;
  ASSERT_EQ(run_ios("devnet init --seed 1" + home_flag(d)).code, 0);
  const std::string genesis = slurp(d / "devnet/genesis.json");
  auto again = run_ios("devnet init --seed 2" + home_flag(d));
  EXPECT_EQ(again.code, 9);
  EXPECT_EQ(ios::test::count_lines(again.err), 1) << again.err;
  EXPECT_EQ(slurp(d / "devnet/genesis.json"), genesis);
  // A non-empty folder that is not a devnet home is refused the same way.
  std::filesystem::create_directories(d / "other");
  std::ofstream(d / "other/notes.txt") << "mine\n";
  EXPECT_EQ(run_ios("devnet init" + home_flag(d, "other")).code, 9);
  EXPECT_EQ(slurp(d / "other/notes.txt"), "mine\n");
}

TEST(CliDevnetHome, FilesFollowTheContractAndSecretsAre0600) {
  TempDir d;
  auto r = run_ios("devnet init --validators 7 --believable 3 --accounts 4 --balance 500 --seed 9 --json" + home_flag(d));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string home = d / "devnet";
  auto devnet = json::parse(slurp(home + "/devnet.json"));
  EXPECT_EQ(devnet["version"], 1);
  EXPECT_EQ(devnet["validators"], 7);
  EXPECT_EQ(devnet["believable"], 3);
  EXPECT_EQ(devnet["accounts"], 4);
  EXPECT_EQ(devnet["balance"], "500");
  EXPECT_EQ(devnet["seed"], "9");
  EXPECT_EQ(devnet["policy"]["normal_size"], 4);
  EXPECT_EQ(devnet["policy"]["optimistic_interval_ms"], 10);
  auto accounts = json::parse(slurp(home + "/accounts/accounts.json"));
  ASSERT_EQ(accounts["accounts"].size(), 4u);
  EXPECT_EQ(accounts["accounts"][3]["name"], "acct3");
  EXPECT_EQ(accounts["accounts"][3]["allocation"], 3);
  EXPECT_EQ(accounts["accounts"][3]["address"].get<std::string>().rfind("ios1", 0), 0u);
  auto genesis = json::parse(slurp(home + "/genesis.json"));
  EXPECT_EQ(genesis["allocations"][3]["owner"], accounts["accounts"][3]["address"]);
  EXPECT_EQ(genesis["allocations"][3]["amount"], "500");
  int believable = 0;
  const json init = r.json();
  for (const auto& n : init["nodes"]) believable += n["role"] == "believable";
  EXPECT_EQ(believable, 3);
  for (int i = 0; i < 7; ++i) {
    const std::string node = home + "/nodes/node" + std::to_string(i);
    auto config = json::parse(slurp(node + "/config.json"));
    EXPECT_EQ(config["version"], 1);
    EXPECT_EQ(config["index"], i);
    EXPECT_EQ(config["genesis"], "../../genesis.json");
    EXPECT_EQ(config["keystore"], "key.json");
    EXPECT_EQ(config["p2p"]["port"], 0);
    EXPECT_EQ(config["rpc"]["host"], "127.0.0.1");
    EXPECT_EQ(config["peers"].size(), 6u);
    EXPECT_EQ(mode_of(node + "/key.json"), 0600u);
    auto key = json::parse(slurp(node + "/key.json"));
    EXPECT_EQ(key["insecure"], true);
    EXPECT_EQ(key["type"], "validator");
    EXPECT_EQ(key["public_keys"]["signing"], genesis["validators"][i]["identity"]["public_keys"]["signing"]);
  }
  EXPECT_EQ(mode_of(home + "/accounts/acct0.json"), 0600u);
  EXPECT_FALSE(std::filesystem::exists(home + "/state.json"));
}

TEST(CliDevnetHome, BadOptionsAreUsageErrors) {
  TempDir d;
  EXPECT_EQ(run_ios("devnet init --validators 5 --believable 2" + home_flag(d)).code, 2);  // normal league of 3
  EXPECT_EQ(run_ios("devnet init --balance 12x" + home_flag(d)).code, 2);
  std::ofstream(d / "policy.json") << R"({"version":1,"believable_size":1,"normal_size":4,"sample_rate":0.5})";
  auto p = run_ios("devnet init --json --policy " + (d / "policy.json") + home_flag(d));
  ASSERT_EQ(p.code, 0) << p.err;  // 5 validators from the file's league sizes
  EXPECT_EQ(p.json()["nodes"].size(), 5u);
  EXPECT_EQ(p.json()["policy"]["sample_rate"], 0.5);
  EXPECT_EQ(run_ios("devnet init --validators 9 --policy " + (d / "policy.json") + home_flag(d, "x")).code, 2);
  EXPECT_FALSE(std::filesystem::exists(d / "x"));
  EXPECT_EQ(run_ios("devnet up --wait-for soon" + home_flag(d, "y")).code, 2);
  EXPECT_EQ(run_ios("devnet up --timeout 10" + home_flag(d, "y")).code, 2);
}

// `--shards M` alone gives every shard the default leagues (2 believable, 4 normal); EDS puts
// each validator in one shard, the same ones for the same seed.
TEST(CliDevnetHome, ShardsCutTheValidatorsIntoShardsOfTheDefaultSize) {
  TempDir d;
  auto r = run_ios("devnet init --shards 2 --seed 3 --json" + home_flag(d));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto doc = r.json();
  EXPECT_EQ(doc["policy"]["shards"], 2);
  ASSERT_EQ(doc["nodes"].size(), 12u);
  std::map<std::uint32_t, int> members, believable;
  for (const auto& n : doc["nodes"]) {
    ++members[n["shard"].get<std::uint32_t>()];
    believable[n["shard"].get<std::uint32_t>()] += n["role"] == "believable";
  }
  EXPECT_EQ(members, (std::map<std::uint32_t, int>{{0, 6}, {1, 6}}));
  EXPECT_EQ(believable, (std::map<std::uint32_t, int>{{0, 2}, {1, 2}}));
  auto again = run_ios("devnet init --shards 2 --seed 3 --json" + home_flag(d, "again"));
  ASSERT_EQ(again.code, 0) << again.err;
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(again.json()["nodes"][i]["shard"], doc["nodes"][i]["shard"]) << i;
  // Too few validators for two shards of 2 + 4: exit 2, saying how many it takes.
  auto few = run_ios("devnet init --shards 2 --validators 10" + home_flag(d, "few"));
  EXPECT_EQ(few.code, 2);
  EXPECT_NE(few.err.find("at least 12"), std::string::npos) << few.err;
}

TEST(CliDevnetHome, EpochLengthGoesIntoThePolicy) {
  TempDir d;
  auto by_default = run_ios("devnet init --json" + home_flag(d, "default"));
  ASSERT_EQ(by_default.code, 0) << by_default.err;
  EXPECT_EQ(by_default.json()["policy"]["epoch_ms"], 60000) << "a record a minute unless told otherwise";
  auto ten = run_ios("devnet init --epoch-length 10s --json" + home_flag(d, "ten"));
  ASSERT_EQ(ten.code, 0) << ten.err;
  EXPECT_EQ(ten.json()["policy"]["epoch_ms"], 10000);
  auto none = run_ios("devnet init --epoch-length 0 --json" + home_flag(d, "none"));
  ASSERT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(none.json()["policy"]["epoch_ms"], 0);
  for (const char* bad : {"500ms", "10", "ten", "8d"}) {
    auto r = run_ios(std::string("devnet init --epoch-length ") + bad + home_flag(d, "bad"));
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
  }
  // A home made with one length refuses another.
  auto changed = run_ios("devnet up -d --epoch-length 20s" + home_flag(d, "ten"));
  EXPECT_EQ(changed.code, 9) << changed.err;
  EXPECT_NE(changed.err.find("--epoch-length 20s (the home has 10000 ms)"), std::string::npos) << changed.err;
}

TEST(CliDevnetHome, DownOnAHomeThatNeverRanExits0) {
  TempDir d;
  EXPECT_EQ(run_ios("devnet down" + home_flag(d)).code, 0);  // no home at all
  ASSERT_EQ(run_ios("devnet init" + home_flag(d)).code, 0);
  EXPECT_EQ(run_ios("devnet down" + home_flag(d)).code, 0);
  EXPECT_EQ(run_ios("devnet down" + home_flag(d)).code, 0);
  EXPECT_EQ(run_ios("devnet status" + home_flag(d)).code, 8);  // not running
  EXPECT_EQ(run_ios("devnet wait --for rpc --timeout 1s" + home_flag(d)).code, 8);
  EXPECT_EQ(run_ios("devnet status" + home_flag(d, "missing")).code, 3);
  EXPECT_EQ(run_ios("devnet logs" + home_flag(d)).code, 0);
  EXPECT_EQ(run_ios("devnet logs node9" + home_flag(d)).code, 3);
}

TEST(DevnetState, PortsDocument) {
  auto ok = ios::devnet::ports_from_json(json::parse(R"({"version":1,"pid":1234,"p2p":41234,"rpc":41235})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->pid, 1234);
  EXPECT_EQ(ok->p2p, 41234);
  EXPECT_EQ(ok->rpc, 41235);
  for (const char* bad : {R"({"version":2,"pid":1,"p2p":1,"rpc":2})", R"({"version":1,"pid":1,"p2p":0,"rpc":2})",
                          R"({"version":1,"pid":1,"p2p":1,"rpc":70000})", R"({"version":1,"p2p":1,"rpc":2})",
                          R"({"version":1,"pid":-4,"p2p":1,"rpc":2})", R"({"version":1,"pid":1,"p2p":"1","rpc":2})", "[]"}) {
    EXPECT_FALSE(ios::devnet::ports_from_json(json::parse(bad)).ok()) << bad;
  }
}

TEST(DevnetState, StateRoundTripsAndStoppedClearsPids) {
  ios::devnet::DevnetState s;
  s.running = true;
  s.supervisor_pid = 42;
  s.supervisor_start = 7;
  s.started_ms = 1700000000000;
  s.nodes.push_back({"node0", 0, 1, 1234, 99, "believable", 41234, 41235, "http://127.0.0.1:41235", "nodes/node0"});
  const json doc = ios::devnet::to_json(s);
  EXPECT_EQ(doc["nodes"][0]["rpc_url"], "http://127.0.0.1:41235");
  auto back = ios::devnet::state_from_json(doc);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(ios::devnet::to_json(*back), doc);
  const auto stopped = s.stopped();
  EXPECT_FALSE(stopped.running);
  EXPECT_EQ(stopped.nodes[0].pid, 0);
  EXPECT_EQ(stopped.nodes[0].rpc, 41235);  // the last ports stay for the record
  EXPECT_EQ(ios::devnet::to_json(stopped)["state"], "stopped");
  json bad = doc;
  bad["version"] = 2;
  EXPECT_FALSE(ios::devnet::state_from_json(bad).ok());
  bad = doc;
  bad["nodes"][0].erase("rpc_url");
  EXPECT_FALSE(ios::devnet::state_from_json(bad).ok());
  bad = doc;
  bad["state"] = "paused";
  EXPECT_FALSE(ios::devnet::state_from_json(bad).ok());
}

TEST(DevnetHealth, ReadinessConditions) {
  using ios::devnet::parse_readiness;
  EXPECT_TRUE(parse_readiness("rpc").ok());
  EXPECT_TRUE(parse_readiness("final").ok());
  ASSERT_TRUE(parse_readiness("blocks:12").ok());
  EXPECT_EQ(parse_readiness("blocks:12")->blocks, 12u);
  for (const char* bad : {"", "blocks:", "blocks:-1", "blocks:x", "epoch:", "epochs:1", "FINAL"})
    EXPECT_FALSE(parse_readiness(bad).ok()) << bad;
  ASSERT_TRUE(parse_readiness("epoch:3").ok());
  EXPECT_EQ(parse_readiness("epoch:3")->kind, ios::devnet::Readiness::Kind::epoch);
  {  // epoch:E waits for every node to hold record E.
    std::vector<ios::devnet::NodeState> two(2);
    two[0].name = "node0";
    two[1].name = "node1";
    std::vector<ios::devnet::NodeStatus> st(2);
    for (auto& s : st) s.answered = true, s.height = 9, s.epoch = 3;
    st[1].epoch = 2;
    const auto unready = ios::devnet::unready_nodes(*parse_readiness("epoch:3"), two, st);
    ASSERT_EQ(unready.size(), 1u);
    EXPECT_EQ(unready[0], "node1: epoch 2 < 3");
  }

  std::vector<ios::devnet::NodeState> nodes(3);
  for (int i = 0; i < 3; ++i) nodes[i].name = "node" + std::to_string(i);
  auto status = [](std::uint64_t height) {
    ios::devnet::NodeStatus s;
    s.answered = true;
    s.height = height;
    return s;
  };
  std::vector<ios::devnet::NodeStatus> st{status(5), status(4), ios::devnet::NodeStatus{}};
  EXPECT_EQ(ios::devnet::unready_nodes(*parse_readiness("rpc"), nodes, st).size(), 1u);
  st[2] = status(0);
  EXPECT_TRUE(ios::devnet::unready_nodes(*parse_readiness("rpc"), nodes, st).empty());
  auto blocks = ios::devnet::unready_nodes(*parse_readiness("blocks:5"), nodes, st);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].rfind("node1:", 0), 0u);
  EXPECT_EQ(ios::devnet::unready_nodes(*parse_readiness("final"), nodes, st).size(), 1u);  // node2 has no final block
  st[2] = status(3);
  EXPECT_TRUE(ios::devnet::unready_nodes(*parse_readiness("final"), nodes, st).empty());  // spread 2
  st[0] = status(6);
  EXPECT_EQ(ios::devnet::unready_nodes(*parse_readiness("final"), nodes, st),
            std::vector<std::string>{"node2: height 3, 3 behind the highest node of its shard"});
  // Each shard has its own chain: a node of shard 1 is compared with shard 1 only.
  st[2].shard = 1;
  EXPECT_TRUE(ios::devnet::unready_nodes(*parse_readiness("final"), nodes, st).empty());
  st[1].shard = 1;  // shard 1: heights 4 and 3; shard 0: 6 alone
  EXPECT_TRUE(ios::devnet::unready_nodes(*parse_readiness("final"), nodes, st).empty());
  st[1] = status(7);
  st[1].shard = 1;  // shard 1: 7 and 3
  EXPECT_EQ(ios::devnet::unready_nodes(*parse_readiness("final"), nodes, st),
            std::vector<std::string>{"node2: height 3, 4 behind the highest node of its shard"});
}

// --- the supervisor with a stub node -----------------------------------------------------------

namespace {

// Binds a p2p and an RPC port (port 0), writes ports.json atomically, answers /v1/status with
// a height that grows every 100 ms, exits 0 on SIGTERM. STUB_MODE=crash exits 3 at once.
const char* stub_node = R"(#!/usr/bin/env python3
import http.server, json, os, signal, socket, sys, threading, time
args = sys.argv[1:]
home = args[args.index("--home") + 1]
if os.environ.get("STUB_MODE") == "crash" and home.endswith("node1"):
    print("stub: cannot open the database", file=sys.stderr); sys.exit(3)
config = json.load(open(os.path.join(home, "config.json")))
p2p = socket.socket(); p2p.bind(("127.0.0.1", 0)); p2p.listen()
start = time.time()
class Status(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"schema": "ios.rpc.status.v1", "name": config["name"], "index": config["index"],
                           "height": int((time.time() - start) * 10), "view": 0, "peers": 5, "role": "normal",
                           "mode": "two_leagues", "pid": os.getpid()}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
rpc = http.server.HTTPServer(("127.0.0.1", 0), Status)
threading.Thread(target=rpc.serve_forever, daemon=True).start()
tmp = os.path.join(home, "ports.json.tmp")
json.dump({"version": 1, "pid": os.getpid(), "p2p": p2p.getsockname()[1], "rpc": rpc.server_address[1]}, open(tmp, "w"))
os.rename(tmp, os.path.join(home, "ports.json"))
print("stub: listening", flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True: time.sleep(1)
)";

struct StubDevnet {
  TempDir dir;
  std::string env;
  StubDevnet() {
    std::ofstream(dir / "stub.py") << stub_node;
    std::filesystem::permissions(dir / "stub.py", std::filesystem::perms::owner_all);
    env = "IOS_DEVNET_NODE_CMD=" + (dir / "stub.py") + " IOS_HOME=" + (dir / "devnet") + " ";
  }
  ~StubDevnet() { run_ios_env("devnet down"); }
  ios::test::Run run_ios_env(const std::string& args, const std::string& extra_env = "") const {
    // run_ios prefixes the binary path; the environment goes in front through `env`.
    return run_ios_raw("env " + extra_env + " " + env + IOS_BINARY + " " + args);
  }
  static ios::test::Run run_ios_raw(const std::string& command) {
    TempDir d;
    const std::string cmd = command + " </dev/null >" + (d / "out") + " 2>" + (d / "err");
    const int status = std::system(cmd.c_str());
    ios::test::Run r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(d.path() / "out");
    r.err = slurp(d.path() / "err");
    return r;
  }
};

bool python_available() { return std::system("python3 -c 'import http.server' >/dev/null 2>&1") == 0; }

}  // namespace

TEST(CliDevnetSupervisor, UpDetachedStatusSecondUpDownWithAStubNode) {
  if (!python_available()) GTEST_SKIP() << "python3 is needed for the stub node";
  StubDevnet net;
  auto up = net.run_ios_env("devnet up -d --validators 5 --believable 1 --wait-for blocks:3 --timeout 30s --json");
  ASSERT_EQ(up.code, 0) << up.err;
  auto state = up.json();
  EXPECT_EQ(state["schema"], "ios.devnet.up.v1");
  EXPECT_EQ(state["state"], "running");
  ASSERT_EQ(state["nodes"].size(), 5u);
  std::vector<ios::devnet::ProcessRef> processes{{state["supervisor_pid"].get<std::int64_t>(), 0}};
  for (const auto& n : state["nodes"]) {
    EXPECT_GT(n["pid"].get<int>(), 0);
    EXPECT_NE(n["p2p"], n["rpc"]);
    EXPECT_EQ(n["rpc_url"], "http://127.0.0.1:" + std::to_string(n["rpc"].get<int>()));
    processes.push_back({n["pid"].get<std::int64_t>(), n["pid_start"].get<std::uint64_t>()});
  }
  for (const auto& p : processes) EXPECT_TRUE(ios::devnet::process_alive(p)) << p.pid;
  EXPECT_EQ(json::parse(slurp(net.dir / "devnet/state.json"))["supervisor_pid"], state["supervisor_pid"]);

  auto status = net.run_ios_env("devnet status --json");
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_EQ(status.json()["healthy"], true);
  EXPECT_EQ(net.run_ios_env("devnet wait --for blocks:5 --timeout 20s").code, 0);
  EXPECT_EQ(net.run_ios_env("devnet wait --for blocks:1000000 --timeout 300ms").code, 4);

  auto second = net.run_ios_env("devnet up -d");
  EXPECT_EQ(second.code, 9) << second.err;

  auto logs = net.run_ios_env("devnet logs");
  EXPECT_NE(logs.out.find("node4| stub: listening"), std::string::npos) << logs.out;

  // A node that dies is reported by status (exit 8), and never restarted by the supervisor.
  ::kill(static_cast<pid_t>(processes[3].pid), SIGKILL);
  ios::devnet::sleep_ms(300);
  auto unhealthy = net.run_ios_env("devnet status");
  EXPECT_EQ(unhealthy.code, 8);
  EXPECT_NE(unhealthy.err.find("node2 down"), std::string::npos) << unhealthy.err;

  EXPECT_EQ(net.run_ios_env("devnet down").code, 0);
  for (const auto& p : processes) EXPECT_FALSE(ios::devnet::process_alive(p)) << p.pid;
  auto after = json::parse(slurp(net.dir / "devnet/state.json"));
  EXPECT_EQ(after["state"], "stopped");
  EXPECT_EQ(after["nodes"][0]["pid"], 0);
  EXPECT_EQ(net.run_ios_env("devnet down").code, 0);

  auto reset = net.run_ios_env("devnet reset");
  EXPECT_EQ(reset.code, 0) << reset.err;
  EXPECT_FALSE(std::filesystem::exists(net.dir / "devnet/state.json"));
  EXPECT_FALSE(std::filesystem::exists(net.dir / "devnet/nodes/node0/node.log"));
  EXPECT_TRUE(std::filesystem::exists(net.dir / "devnet/nodes/node0/key.json"));
  EXPECT_TRUE(std::filesystem::exists(net.dir / "devnet/genesis.json"));
}

TEST(CliDevnetSupervisor, ANodeThatCrashesAtStartupFailsUpWithItsLog) {
  if (!python_available()) GTEST_SKIP() << "python3 is needed for the stub node";
  StubDevnet net;
  auto up = net.run_ios_env("devnet up -d --validators 4 --believable 0 --timeout 20s", "STUB_MODE=crash");
  EXPECT_EQ(up.code, 8) << up.err;
  EXPECT_NE(up.err.find("node1"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("cannot open the database"), std::string::npos) << up.err;
  auto state = json::parse(slurp(net.dir / "devnet/state.json"));
  EXPECT_EQ(state["state"], "stopped");
  for (const auto& n : state["nodes"]) EXPECT_EQ(n["pid"], 0);
}

TEST(CliDevnetSupervisor, QuietSilencesProgressNotTheLogsOfAFailedUp) {
  if (!python_available()) GTEST_SKIP() << "python3 is needed for the stub node";
  StubDevnet net;
  auto up = net.run_ios_env("devnet up -d -q --validators 4 --believable 0 --timeout 20s", "STUB_MODE=crash");
  EXPECT_EQ(up.code, 8) << up.err;
  EXPECT_NE(up.err.find("cannot open the database"), std::string::npos) << up.err;  // the node's log tail
  EXPECT_NE(up.err.find("exited with code 3"), std::string::npos) << up.err;        // the supervisor's report
  EXPECT_EQ(up.err.find("devnet: new home"), std::string::npos) << up.err;          // progress stays quiet
}

TEST(CliDevnetSupervisor, ForegroundUpStopsEveryNodeOnSigterm) {
  if (!python_available()) GTEST_SKIP() << "python3 is needed for the stub node";
  StubDevnet net;
  const std::string out = net.dir / "fg.out";
  const std::string cmd = "env " + net.env + IOS_BINARY + " devnet up --validators 4 --believable 0 --json >" + out +
                          " 2>/dev/null & echo $!";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  long pid = 0;
  ASSERT_EQ(std::fscanf(p, "%ld", &pid), 1);
  ::pclose(p);
  json state;
  for (int i = 0; i < 300 && state.is_null(); ++i) {
    ios::devnet::sleep_ms(100);
    state = json::parse(slurp(out), nullptr, false);
    if (state.is_discarded()) state = nullptr;
  }
  ASSERT_FALSE(state.is_null()) << "no state document from the foreground up";
  EXPECT_EQ(state["supervisor_pid"], pid);
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGTERM), 0);
  for (int i = 0; i < 100 && ios::devnet::process_alive({pid, 0}); ++i) ios::devnet::sleep_ms(100);
  EXPECT_FALSE(ios::devnet::process_alive({pid, 0}));
  for (const auto& n : state["nodes"])
    EXPECT_FALSE(ios::devnet::process_alive({n["pid"].get<std::int64_t>(), n["pid_start"].get<std::uint64_t>()}));
  EXPECT_EQ(json::parse(slurp(net.dir / "devnet/state.json"))["state"], "stopped");
}

TEST(CliDevnetHome, LogsInJsonModeAreOneDocumentAndNdjsonAStream) {
  TempDir d;
  auto init = run_ios("devnet init --json" + home_flag(d));
  ASSERT_EQ(init.code, 0) << init.err;
  const auto nodes = init.json()["nodes"];
  for (int i = 0; i < 2; ++i) {
    const std::string dir = (d / "devnet") + "/" + nodes[i]["home"].get<std::string>();
    std::ofstream(dir + "/node.log") << "1 first of " << i << "\n2 second of " << i << "\n";
  }
  auto j = run_ios("devnet logs --json" + home_flag(d));
  ASSERT_EQ(j.code, 0) << j.err;
  const auto doc = j.json();  // throws unless stdout is exactly one document
  EXPECT_EQ(doc["schema"], "ios.devnet.logs.v1");
  ASSERT_EQ(doc["lines"].size(), 4u) << j.out;
  EXPECT_EQ(doc["lines"][0]["line"], "1 first of 0");
  auto nd = run_ios("devnet logs -o ndjson" + home_flag(d));
  ASSERT_EQ(nd.code, 0);
  EXPECT_EQ(ios::test::count_lines(nd.out), 4);
  EXPECT_EQ(json::parse(nd.out.substr(0, nd.out.find('\n')))["schema"], "ios.devnet.log.v1");
  // -f never ends: not one document; said at once, not after waiting forever.
  EXPECT_EQ(run_ios("devnet logs -f --json" + home_flag(d)).code, 2);
}

TEST(CliDevnetHome, ResetAndDownReportOnStderr) {
  TempDir d;
  ASSERT_EQ(run_ios("devnet init -q" + home_flag(d)).code, 0);
  for (const char* cmd : {"devnet reset", "devnet down"}) {
    auto r = run_ios(std::string(cmd) + home_flag(d));
    EXPECT_EQ(r.code, 0) << cmd << r.err;
    EXPECT_EQ(r.out, "") << cmd;
    EXPECT_NE(r.err.find("devnet: "), std::string::npos) << cmd;
    auto j = run_ios(std::string(cmd) + " --json" + home_flag(d));
    EXPECT_EQ(j.code, 0) << cmd;
    EXPECT_NO_THROW(j.json()) << cmd << j.out;
  }
}

TEST(CliDevnetHome, UpWithOtherInitFlagsOnAnExistingHomeExits9AndSaysWhatWorks) {
  TempDir d;
  ASSERT_EQ(run_ios("devnet init --seed 3 -q" + home_flag(d)).code, 0);
  const std::string genesis = slurp(d / "devnet/genesis.json");
  for (const char* cmd : {"devnet up -d --validators 7", "devnet up -d --seed 4", "devnet init --validators 7"}) {
    auto r = run_ios(std::string(cmd) + home_flag(d));
    EXPECT_EQ(r.code, 9) << cmd << ": " << r.err;
    EXPECT_EQ(ios::test::count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("new --home"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("devnet reset"), std::string::npos) << r.err;  // reset keeps the options
  }
  auto v = run_ios("devnet up -d --validators 7" + home_flag(d));
  EXPECT_NE(v.err.find("--validators 7 (the home has 6)"), std::string::npos) << v.err;
  EXPECT_EQ(slurp(d / "devnet/genesis.json"), genesis);
  EXPECT_FALSE(std::filesystem::exists(d / "devnet/state.json"));  // nothing was started
  // A folder that is not a devnet home: the advice is another home, not `reset` (which exits 3 there).
  std::filesystem::create_directories(d / "other");
  std::ofstream(d / "other/notes.txt") << "mine\n";
  auto o = run_ios("devnet up -d" + home_flag(d, "other"));
  EXPECT_EQ(o.code, 9) << o.err;
  EXPECT_EQ(o.err.find("devnet reset"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("not a devnet home"), std::string::npos) << o.err;
}

TEST(CliDevnetSupervisor, StatusShowsEachRpcUrlAndEnvPointsTheShellAtTheDevnet) {
  if (!python_available()) GTEST_SKIP() << "python3 is needed for the stub node";
  StubDevnet net;
  ASSERT_EQ(net.run_ios_env("devnet env").code, 3);  // no devnet home yet
  auto up = net.run_ios_env("devnet up -d --validators 5 --believable 1 --wait-for rpc --timeout 30s --json");
  ASSERT_EQ(up.code, 0) << up.err;
  const auto nodes = up.json()["nodes"];
  auto status = net.run_ios_env("devnet status");
  EXPECT_EQ(status.code, 0) << status.err;
  for (const auto& n : nodes)
    EXPECT_NE(status.out.find(n["rpc_url"].get<std::string>()), std::string::npos) << status.out;

  auto env = net.run_ios_env("devnet env");
  ASSERT_EQ(env.code, 0) << env.err;
  EXPECT_NE(env.out.find("IOS_RPC="), std::string::npos) << env.out;
  EXPECT_NE(env.out.find("IOS_HOME="), std::string::npos) << env.out;
  // What a user does with it: eval in a shell, then the variables are there for the next ios.
  std::ofstream(net.dir / "env.sh") << env.out;
  auto shell = StubDevnet::run_ios_raw("sh -c '. " + (net.dir / "env.sh") +
                                       " && sh -c \"printf %s,%s \\$IOS_RPC \\$IOS_HOME\"'");
  EXPECT_EQ(shell.out, nodes[0]["rpc_url"].get<std::string>() + "," + (net.dir / "devnet")) << shell.err;
  auto doc = net.run_ios_env("devnet env --json");
  ASSERT_EQ(doc.code, 0);
  EXPECT_EQ(doc.json()["schema"], "ios.devnet.env.v1");
  EXPECT_EQ(doc.json()["env"]["IOS_RPC"], nodes[0]["rpc_url"]);
  EXPECT_NE(net.run_ios_env("devnet env --help").out.find("eval"), std::string::npos);
  EXPECT_EQ(net.run_ios_env("devnet down").code, 0);
  EXPECT_EQ(net.run_ios_env("devnet env").code, 8);  // a home, not running
}
