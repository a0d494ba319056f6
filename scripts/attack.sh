#!/usr/bin/env bash
# Robustness figures of docs/security.md: brings up the default devnet (6 validators on loopback),
# runs scripts/attack.py against it as an outsider holding no key, and prints its JSON document
# (schema ios.attack.v1): a normal validator's block rate under each attack as a share of its
# undisturbed rate, every node's largest RSS, and how the API answered meanwhile.
#   SECONDS_PER_ATTACK (default 30), IOS_BUILD_DIR (default build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IOS_BUILD_DIR:-$root/build/release}
seconds=${SECONDS_PER_ATTACK:-30}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target ios >/dev/null
ios="$build/cli/ios"

work=$(mktemp -d "${TMPDIR:-/tmp}/ios-attack.XXXXXX")
home="$work/devnet"
cleanup() {
  "$ios" devnet down --home "$home" -q >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$ios" devnet up -d --home "$home" --wait-for final --timeout 90s -q >&2
python3 "$root/scripts/attack.py" --home "$home" --seconds "$seconds" --ios "$ios"
