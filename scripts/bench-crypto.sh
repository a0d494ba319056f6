#!/usr/bin/env bash
# Crypto benchmark: builds Release, prints JSON (with the machine it ran on) on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" --target bench_crypto >/dev/null
exec "$root/build/release/tests/bench_crypto"
