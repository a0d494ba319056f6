#!/usr/bin/env bash
# Sets up ios on a fresh Debian 12 machine: installs the Debian packages it needs (nothing
# else is downloaded), configures and builds Release, and installs `ios` into $PREFIX/bin
# (default /usr/local as root, ~/.local otherwise). Idempotent: run it again at any time.
#
#   scripts/setup.sh               packages + Release build + install
#   scripts/setup.sh --deps-only [PKG...]   packages only (scripts/test.sh; fuzz-nightly.sh adds clang)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deps_only=0
extra=()
if [ "${1:-}" = "--deps-only" ]; then
  deps_only=1
  extra=("${@:2}")  # more packages for one script (fuzz-nightly.sh: clang)
fi

packages=(build-essential cmake ninja-build pkg-config git jq python3
          libcli11-dev libasio-dev libsqlite3-dev libsodium-dev nlohmann-json3-dev
          libgtest-dev catch2 libcpp-httplib-dev "${extra[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ $deps_only -eq 1 ] && exit 0

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" -j"$jobs" --target ios

if [ -z "${PREFIX:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then PREFIX=/usr/local; else PREFIX="$HOME/.local"; fi
fi
install -d "$PREFIX/bin"
install -m 0755 "$root/build/release/cli/ios" "$PREFIX/bin/ios"
echo "setup: installed $("$PREFIX/bin/ios" version -q | head -1) to $PREFIX/bin/ios" >&2
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "setup: add $PREFIX/bin to your PATH" >&2 ;; esac
