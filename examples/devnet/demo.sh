#!/usr/bin/env bash
# A local IOS network in one command, and transactions scripted against it: `ios devnet up`
# spawns one `ios node` process per validator on loopback (a believable league of 2 and a
# ByzCoin normal league of 4 that tolerates one fault), waits until blocks are final, and
# returns; then funded dev accounts pay each other and two balances are read back from a node's
# API. Amounts are in base units (the smallest unit of the IOS token; there are no decimals).
#
#   examples/devnet/demo.sh [HOME]     (default: a fresh temp folder; the devnet is stopped at the end)
set -euo pipefail
home=${1:-$(mktemp -d)/devnet}
root=$(cd "$(dirname "$0")/../.." && pwd)
ios=${IOS:-$(command -v ios || echo "$root/build/release/cli/ios")}
export IOS_HOME=$home
trap 'echo "== stopping the devnet" >&2; "$ios" devnet down || true' EXIT

balance() {  # the finalized balance of a dev account, as a node reports it
  local address
  address=$("$ios" keys show "$home/accounts/$1.json" --json | jq -r .address)
  curl -sf "$IOS_RPC/v1/accounts/$address" | jq -r .balance
}

echo "== devnet in $home" >&2
"$ios" devnet up -d --seed 1 --wait-for final --timeout 90s
eval "$("$ios" devnet env)"  # IOS_HOME and IOS_RPC for what follows
echo "== balances before: acct0 $(balance acct0), acct1 $(balance acct1)" >&2
echo "== acct0 pays acct1 10 base units (fee 1), waiting for finality" >&2
"$ios" tx send --from acct0 --to acct1 --amount 10 --wait final
echo "== balances after: acct0 $(balance acct0), acct1 $(balance acct1)" >&2
echo "== 200 more transfers from 8 accounts" >&2
for i in $(seq 0 199); do
  printf '{"from":"acct%d","to":"acct%d","amount":1}\n' $((i % 8)) $(((i + 3) % 16))
done >"$home/batch.ndjson"
"$ios" tx batch "$home/batch.ndjson" -o ndjson | tail -1
echo "== every node agrees" >&2
"$ios" devnet status
