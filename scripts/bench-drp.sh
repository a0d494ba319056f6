#!/usr/bin/env bash
# RandHound benchmark: `ios drp run` for N = 16, 64, 256, 512 in groups of 16 and 32, one JSON
# document per line (schema ios.drp.run.v1, plus the machine), all with seed 1 and 10 ms links.
# CPU figures are per role, measured inside the simulator (one thread runs everything).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" --target ios >/dev/null
ios="$root/build/release/cli/ios"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
for cfg in "16 1" "64 4" "64 2" "256 16" "256 8" "512 32" "512 16"; do
  set -- $cfg
  "$ios" drp run --servers "$1" --groups "$2" --seed 1 --out "$work/t.json" --force -q -o ndjson |
    jq -c --arg cpu "$cpu" --argjson cores "$(nproc)" \
      '{schema, servers, groups, group_size: (.servers / .groups), cpu_s, verify_cpu_s, transcript_bytes, transcript_encoded_bytes, messages, bytes, simulated_ms, machine: {cpu: $cpu, cores: $cores}}'
done
