#!/usr/bin/env bash
# Runs every test of ios: installs packages if missing, builds a Release and an ASan+UBSan
# configuration (both -Wall -Wextra -Werror) and runs ctest in each (labels unit, cli, fuzz
# (corpus replay), sim and devnet). Exits non-zero if anything fails. This is what .ci/run
# calls. The long runs are nightly: scripts/sim-nightly.sh (more simulator seeds) and
# scripts/fuzz-nightly.sh (libFuzzer exploration of every fuzz target).
#
#   scripts/test.sh            everything
#   IOS_TEST_LABEL=unit scripts/test.sh   only one ctest label
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
label=${IOS_TEST_LABEL:-}

"$root/scripts/setup.sh" --deps-only

ctest_args=(--output-on-failure -j"$jobs" --timeout 600)
[ -n "$label" ] && ctest_args+=(-L "$label")

run_config() {  # name, cmake args...
  local name=$1
  shift
  echo "== build $name" >&2
  cmake -S "$root" -B "$root/build/$name" -G Ninja "$@" >/dev/null
  cmake --build "$root/build/$name" -j"$jobs"
  echo "== test $name" >&2
  (cd "$root/build/$name" && ctest "${ctest_args[@]}")
}

# The sanitizer builds compile at -O1 -g1 (line tables): the usual choice for ASan, and 2.5
# times faster to compile than -O2 -g here (a CLI file: 33 s instead of 84 s), which is what
# keeps the whole run within CI's budget. Their tests run a little slower for it.
sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DIOS_SANITIZE=ON)
run_config release -DCMAKE_BUILD_TYPE=Release
# The random-seed batches are soak-like: the Release run covers every seed (200 PoB, 20 epoch,
# 200 sharded-system seeds); under the sanitizers, at four to five times the cost, a sample of
# them walks the same code paths for memory and undefined-behaviour errors: the first quarter of
# the PoB and epoch seeds, the first 2 sharded-system seeds (a quarter would take 18 minutes).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  IOS_SIM_SEEDS=${IOS_SIM_SEEDS:-48} IOS_EPOCH_SEEDS=${IOS_EPOCH_SEEDS:-6} IOS_TRANSEPOCH_SEEDS=${IOS_TRANSEPOCH_SEEDS:-2} \
  run_config asan "${sanitizer_flags[@]}"

# libFuzzer exploration (a third, clang build and a timed run per target) is soak-like: it runs
# nightly (scripts/fuzz-nightly.sh). Every fuzz target's corpus still replays here, in both
# builds above (ctest label fuzz).
echo "all tests passed" >&2
