#!/usr/bin/env bash
# PoB shard benchmark: final transactions per CPU-second of one shard in the simulator with
# real crypto (`ios sim run`), for normal leagues L = 4, 7, 16 and sampling rates p = 0.05,
# 0.1, 1, with 3 believable validators, 1,000 tx/s offered for 3 s (simulated) and 3 s to
# drain. CPU is the thread time of every core's inputs (all validators and the client's
# signing), measured inside the simulator, which runs everything on one thread. One JSON
# document per line (schema ios.bench.shard.v1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" --target ios >/dev/null
ios="$root/build/release/cli/ios"
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
for L in 4 7 16; do
  for p in 0.05 0.1 1; do
    "$ios" sim run --validators $((L + 3)) --believable 3 --p "$p" --tx-rate 1000 --duration 3s --drain 3s \
      --seed 1 -q --json |
      jq -c --arg cpu "$cpu" --argjson cores "$(nproc)" --argjson L "$L" \
        '{schema: "ios.bench.shard.v1", normal_league: $L, believable: .believable, p: .sample_rate,
          final: .transactions.final, submitted: .transactions.submitted, cpu_s,
          final_tx_per_cpu_s: (if .cpu_s > 0 then (.transactions.final / .cpu_s | floor) else 0 end),
          optimistic_p50_ms: .latency.optimistic.p50_ms, final_p50_ms: .latency.final.p50_ms,
          final_p99_ms: .latency.final.p99_ms, messages_per_tx, ok,
          machine: {cpu: $cpu, cores: $cores}}'
  done
done
