#!/usr/bin/env bash
# The libFuzzer exploration of every fuzz target (tests/fuzz/fuzz_*.cpp), built with clang and
# the sanitizers, seeded from its corpus. CI replays each corpus (ctest label fuzz); this
# searches for new inputs, a soak-like run kept out of CI's time budget.
#
#   scripts/fuzz-nightly.sh          60 s per target
#   IOS_FUZZ_SECONDS=600 scripts/fuzz-nightly.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${IOS_FUZZ_SECONDS:-60}
sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DIOS_SANITIZE=ON)

# clang only here: CI's test run does not need it (installing it cost CI a minute or two).
"$root/scripts/setup.sh" --deps-only clang
command -v clang++ >/dev/null || { echo "fuzz-nightly: clang++ is needed (scripts/setup.sh --deps-only clang installs it)" >&2; exit 2; }
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
