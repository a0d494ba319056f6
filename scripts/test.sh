#!/usr/bin/env bash
# Runs every test of ios: installs packages if missing, builds a Release and an ASan+UBSan
# configuration (both -Wall -Wextra -Werror), runs ctest in each (labels unit, cli, fuzz,
# and later sim and devnet), and, where clang is present, a short libFuzzer run of each
# fuzz target. Exits non-zero if anything fails. This is what .ci/run calls.
#
#   scripts/test.sh            everything
#   IOS_TEST_LABEL=unit scripts/test.sh   only one ctest label
#   IOS_FUZZ_SECONDS=0 scripts/test.sh    skip the libFuzzer runs (corpus replay still runs)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
label=${IOS_TEST_LABEL:-}
fuzz_seconds=${IOS_FUZZ_SECONDS:-20}

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
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_config asan "${sanitizer_flags[@]}"

if [ "$fuzz_seconds" -gt 0 ] && command -v clang++ >/dev/null; then
  echo "== fuzz (libFuzzer, ${fuzz_seconds}s per target)" >&2
  CXX=clang++ cmake -S "$root" -B "$root/build/fuzz" -G Ninja "${sanitizer_flags[@]}" -DIOS_FUZZ=ON >/dev/null
  cmake --build "$root/build/fuzz" -j"$jobs" --target fuzz_targets
  passed=0
  failed=0
  for target in "$root"/build/fuzz/tests/fuzz_*; do
    [ -x "$target" ] || continue
    case "$target" in *_replay) continue ;; esac
    name=$(basename "$target")
    work=$(mktemp -d)
    cp -r "$root/tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
    if "$target" -max_total_time="$fuzz_seconds" -print_final_stats=0 "$work" >"$work.log" 2>&1; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo "fuzz: $name found a crash:" >&2
      tail -40 "$work.log" >&2
    fi
    rm -rf "$work" "$work.log"
  done
  echo "fuzz: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
fi
echo "all tests passed" >&2
