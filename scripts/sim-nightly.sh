#!/usr/bin/env bash
# The long simulation run: the PoB random-fault test over many more seeds than CI's 200, and
# the ByzCoin random test over more seeds too. CI runs seeds 1000..1199; this runs the next
# block by default. Then the epoch random-fault test (CI: seeds 3000..3019) over 500 more, and
# the whole sharded system with TransEpoch (CI: seeds 4000..4199) over 200 more.
# Usage: scripts/sim-nightly.sh [first-seed] [count] [epoch-seed-count] [transepoch-seed-count]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
first=${1:-1200}
count=${2:-5000}
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$(nproc)" --target pob_random_test epoch_test transepoch_sim_test >/dev/null
echo "sim-nightly: PoB seeds $first..$((first + count - 1))" >&2
IOS_SIM_SEEDS_FROM=$first IOS_SIM_SEEDS=$count "$root/build/release/tests/pob_random_test"
epoch_count=${3:-500}
echo "sim-nightly: epoch seeds 3020..$((3020 + epoch_count - 1))" >&2
IOS_EPOCH_SEEDS_FROM=3020 IOS_EPOCH_SEEDS=$epoch_count "$root/build/release/tests/epoch_test" --gtest_filter='*RandomSeeds*'
transepoch_count=${4:-200}
echo "sim-nightly: sharded-system seeds 4200..$((4200 + transepoch_count - 1))" >&2
IOS_TRANSEPOCH_SEEDS_FROM=4200 IOS_TRANSEPOCH_SEEDS=$transepoch_count "$root/build/release/tests/transepoch_sim_test" \
  --gtest_filter='*RandomSeeds*'
