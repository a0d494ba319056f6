#!/usr/bin/env bash
# Idle cost of a devnet: `ios devnet up` with the given flags, a settling pause, then the CPU
# time every node process used over SECONDS with no load at all, from /proc/<pid>/stat
# (utime + stime). An idle network still finalizes heartbeat blocks (ByzCoin's view timer needs
# a final block within view_timeout_ms, and PoB's liveness rule counts merged optimistic blocks),
# so this is the floor a developer's machine pays for leaving a devnet up. Prints one JSON
# document (schema ios.bench.idle.v1).
#   FLAGS (default "--shards 2 --validators 12"), IDLE_SECONDS (default 30), IOS_BUILD_DIR.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IOS_BUILD_DIR:-$root/build/release}
flags=${FLAGS:---shards 2 --validators 12}
seconds=${IDLE_SECONDS:-30}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target ios >/dev/null
ios="$build/cli/ios"

work=$(mktemp -d "${TMPDIR:-/tmp}/ios-bench-idle.XXXXXX")
home="$work/devnet"
cleanup() {
  "$ios" devnet down --home "$home" -q >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# shellcheck disable=SC2086
"$ios" devnet up -d --home "$home" --wait-for final -q $flags >/dev/null
sleep 5
python3 - "$home" "$seconds" "$flags" <<'PY'
import json, os, sys, time
home, seconds, flags = sys.argv[1], float(sys.argv[2]), sys.argv[3]
nodes = json.load(open(os.path.join(home, "state.json")))["nodes"]
tick = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime
before = {n["name"]: cpu(n["pid"]) for n in nodes}
time.sleep(seconds)
used = {n["name"]: cpu(n["pid"]) - before[n["name"]] for n in nodes}
total = sum(used.values())
print(json.dumps({
    "schema": "ios.bench.idle.v1",
    "flags": flags,
    "nodes": len(nodes),
    "seconds": seconds,
    "cpu_cores": round(total / seconds, 3),
    "cpu_percent_of_one_core_per_node": round(100 * total / seconds / len(nodes), 2),
    "machine_cores": os.cpu_count(),
}, indent=2))
PY
