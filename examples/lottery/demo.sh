#!/usr/bin/env bash
# A leader lottery among N validators, as whitepaper Algorithm 1 runs it each epoch: every
# validator makes a keystore and its VRF ticket for (epoch, view, config hash); anyone ranks
# the tickets into a leader and two backups and checks each ticket on its own.
#
#   examples/lottery/demo.sh [N] [WORKDIR]     (default 5 validators in a fresh temp folder)
set -euo pipefail
n=${1:-5}
work=${2:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/../.." && pwd)
ios=${IOS:-$(command -v ios || echo "$root/build/release/cli/ios")}
epoch=7
view=0
config=$(printf 'ios-demo-config' | sha256sum | cut -d' ' -f1)

mkdir -p "$work"
for i in $(seq 0 $((n - 1))); do
  # --insecure: throwaway demo keys with no password (the keystore says so).
  "$ios" keygen --out "$work/v$i.key" --insecure --force -q >/dev/null
  "$ios" lottery prove --key "$work/v$i.key" --epoch $epoch --view $view --config-hash "$config" -o ndjson
done | jq -s --argjson e $epoch --argjson v $view --arg c "$config" \
  '{version: 1, epoch: $e, view: $v, config_hash: $c, tickets: map({public_key, proof: .pi})}' >"$work/tickets.json"

echo "== $n validators in $work; tickets for epoch $epoch, view $view" >&2
"$ios" lottery rank "$work/tickets.json"
echo "== anyone can check the leader's ticket on its own" >&2
leader=$("$ios" lottery rank "$work/tickets.json" --json | jq -r .leader.public_key)
proof=$(jq -r --arg pk "$leader" '.tickets[] | select(.public_key == $pk) | .proof' "$work/tickets.json")
"$ios" lottery verify --pubkey "$leader" --proof "$proof" --epoch $epoch --view $view --config-hash "$config"
