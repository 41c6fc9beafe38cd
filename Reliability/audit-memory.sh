#!/usr/bin/env bash
# Catalogue F12: the audit streams. Registries of N and 10×N entries (one CSV import each), then
# `amexist log audit` on each under /usr/bin/time: its peak resident memory must not grow with
# the log. Then the larger audit again under a memory cap (prlimit --as) well below what holding
# the log would take: it must finish with its verdict.
# Usage: Reliability/audit-memory.sh [N, default 20000]
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-20000}
swift build -c release --product amexist >/dev/null
amexist=$(swift build -c release --show-bin-path)/amexist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
for count in "$small" $((small * 10)); do
  mkdir -p "$work/$count"
  cd "$work/$count"
  "$amexist" init >/dev/null
  python3 - "$count" >services.csv <<'PY'
import sys
def siret(n):
    stem = "9" + str(n).zfill(8) + "0001"
    for last in range(10):
        digits = stem + str(last)
        total = 0
        for i, c in enumerate(reversed(digits)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits
print("siret,name")
for n in range(int(sys.argv[1])):
    print(f"{siret(n)},Service {n}")
PY
  "$amexist" service import services.csv >/dev/null
  size=$(du -k Registry/registry.sqlite | cut -f1)
  printf '%8s entries (%s KiB database): audit peak RSS %s KiB\n' "$((count + 1))" "$size" "$(peak "$amexist" log audit)"
done
cd "$work/$((small * 10))"
limit=$((512 * 1024 * 1024))
if prlimit --as=$limit "$amexist" log audit >/dev/null 2>audit.err; then
  echo "audit of $((small * 10 + 1)) entries under a ${limit}-byte address-space cap: ok"
else
  echo "audit under a ${limit}-byte address-space cap failed: $(head -3 audit.err)"
fi
