#!/usr/bin/env bash
# Devnet benchmark: the default devnet (6 validator processes on loopback: believable league 2,
# normal league 4) under `ios tx load --tps $TPS --duration $DURATION`, beside this machine's
# Ed25519 verify rate on 2 threads measured in the same run (two bench_crypto processes side by
# side, before the load so they do not compete with it). Prints one JSON document (schema
# ios.bench.devnet.v1): finalized tx/s, optimistic and final latency p50/p99, the verify rate,
# and their ratio — the share of the machine's raw signature budget that ends up as final
# transfers, with every validator, the RPC and the load generator on the same cores — and the
# encrypted peer channel's cost (docs/security.md "Handshake relay"): frames every node sent, their
# mean payload, the seal + open cost of such a frame (bench_crypto, interpolated) and so the
# channel's CPU per final transaction.
#   TPS (default 2000), DURATION (default 60s), IOS_BUILD_DIR (default build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IOS_BUILD_DIR:-$root/build/release}
tps=${TPS:-2000}
duration=${DURATION:-60s}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target ios bench_crypto >/dev/null
ios="$build/cli/ios"
bench="$build/tests/bench_crypto"

work=$(mktemp -d "${TMPDIR:-/tmp}/ios-bench-devnet.XXXXXX")
home="$work/devnet"
cleanup() {
  "$ios" devnet down --home "$home" -q >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bench" >"$work/v1.json" &
"$bench" >"$work/v2.json" &
wait
verify=$(jq -s '[.[].ed25519_verify_per_s] | add' "$work/v1.json" "$work/v2.json")

"$ios" devnet up -d --home "$home" --wait-for final --timeout 90s -q >&2
# A shortfall (exit 4) or refusals (exit 5) still carry the report, as the error's details.
"$ios" tx load --tps "$tps" --duration "$duration" --home "$home" --json -q >"$work/load.json" || true
# The peer channel's share: frames and payload bytes every node sent, from its /metrics.
"$ios" devnet status --home "$home" --json | python3 -c '
import json, sys, urllib.request
frames = payload = 0
for n in json.load(sys.stdin)["nodes"]:
    text = urllib.request.urlopen(n["rpc_url"].rstrip("/") + "/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith("ios_p2p_frames_out_total "): frames += int(line.split()[1])
        if line.startswith("ios_p2p_bytes_out_total "): payload += int(line.split()[1])
print(json.dumps({"frames": frames, "bytes": payload}))' >"$work/frames.json"
"$ios" devnet down --home "$home" -q >&2

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
# Seal + open cost of one frame of the mean size, interpolated between the measured sizes.
frame=$(jq -s '.[0].net_seal_open_frame_us' "$work/v1.json")
jq --argjson verify "$verify" --arg cpu "$cpu" --argjson cores "$(nproc)" --argjson net "$(cat "$work/frames.json")" --argjson frame "$frame" '
  (if .schema == "ios.tx.load.v1" then . else .error.details end) as $l |
  {schema: "ios.bench.devnet.v1",
   validators: 6, offered_tps: $l.offered_tps, duration_ms: $l.duration_ms,
   submitted: $l.submitted, final: $l.final, rejected: $l.rejected,
   final_tps: $l.achieved_final_tps,
   optimistic_ms: {p50: $l.latency_ms.optimistic.p50, p99: $l.latency_ms.optimistic.p99},
   final_ms: {p50: $l.latency_ms.final.p50, p99: $l.latency_ms.final.p99},
   ed25519_verify_per_s_2_threads: $verify,
   final_tps_per_verify_rate: (if $verify > 0 then (($l.achieved_final_tps / $verify) * 100000 | round) / 100000 else null end),
   channel: (($net.bytes / ([$net.frames, 1] | max)) as $mean |
     (if $mean <= 200 then $frame["200_bytes"]
      elif $mean <= 4096 then $frame["200_bytes"] + ($frame["4_kib"] - $frame["200_bytes"]) * ($mean - 200) / 3896
      else $frame["4_kib"] + ($frame["64_kib"] - $frame["4_kib"]) * ($mean - 4096) / 61440 end) as $us |
     {frames: $net.frames, mean_frame_bytes: ($mean | round),
      seal_open_us_per_frame: ((($us * 100) | round) / 100),
      frames_per_final_tx: (if $l.final > 0 then (($net.frames / $l.final) * 100 | round) / 100 else null end),
      channel_cpu_us_per_final_tx: (if $l.final > 0 then (($net.frames * $us / $l.final) * 100 | round) / 100 else null end)}),
   machine: {cpu: $cpu, cores: $cores}}' "$work/load.json"
