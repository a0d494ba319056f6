#!/usr/bin/env bash
# docs/DESIGN.md §1 and docs/STYLE.md rule 1: protocol cores, the ledger and the contracts are pure
# steppers. They may not include Asio, SQLite, threads, sleeps or clocks; the drivers
# (runtime/ and sim/) supply network, disk and time as inputs. Exits 1 naming each offence.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
pattern='#[[:space:]]*include[[:space:]]*[<"](asio|asio\.hpp|asio/[^>"]*|sqlite3\.h|thread|mutex|condition_variable|future|chrono|ctime|time\.h|random|httplib\.h)[>"]'
status=0
checked=0
for dir in node/protocol node/ledger contracts; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' f; do
    checked=$((checked + 1))
    if grep -nE "$pattern" "$f"; then
      echo "layering: $f includes I/O, threads or clocks (docs/DESIGN.md §1)" >&2
      status=1
    fi
  done < <(find "$dir" -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' \) -print0)
done
# The libraries below protocol may not link upwards either: crypto and core never include
# chain, ledger, protocol or any driver.
for dir in node/core node/crypto; do
  [ -d "$dir" ] || continue
  if grep -rnE '#[[:space:]]*include[[:space:]]*"node/(chain|ledger|protocol|store|net|rpc|runtime|sim)/' "$dir"; then
    echo "layering: $dir includes a library above it (docs/DESIGN.md §1)" >&2
    status=1
  fi
done
echo "layering: checked $checked files in node/protocol, node/ledger, contracts; status $status"
exit $status
