#!/usr/bin/env bash
# The search right after a write at scale (goal 5 of the performance issue): `amexist serve` over
# an existing registry folder (Keys/ and Registry/, for example 10^5 services imported with
# `amexist service import`), three searches, then `amexist service add` of a new service from
# another process, then six searches and two service pages (the new one, the first registered);
# prints each request's time and the server's RSS before and after. With PERF=1, records the server from the write on with `perf record -g` (perf.data in
# the folder). AMEXIST=PATH runs that binary instead of this checkout's release build (to compare
# two builds on the same folder). Needs curl and python3 (and perf for PERF=1).
# Usage: Benchmarks/scale-window.sh FOLDER [port, default 18300]
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:?usage: Benchmarks/scale-window.sh FOLDER [port]}
port=${2:-18300}
if [ -n "${AMEXIST:-}" ]; then
  amexist=$(realpath "$AMEXIST")
else
  swift build -c release --product amexist >/dev/null
  amexist="$(swift build -c release --show-bin-path)/amexist"
fi
cd "$folder"
"$amexist" serve --port "$port" --client-rate 1000000 >serve.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
search="http://127.0.0.1:$port/services.json?q=Nouveau"
for _ in 1 2 3; do curl -s -o /dev/null -w 'steady search %{time_total} s\n' "$search"; done
first=$(curl -s "http://127.0.0.1:$port/services.json?limit=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["services"][0]["siret"])')
printf 'server RSS before the write: %s KiB\n' "$(awk '/VmRSS/ { print $2 }' "/proc/$server/status")"
# A new valid SIRET (Luhn on the SIREN and on the whole number).
siret=$(python3 -c '
import random
def luhn(s):
    return sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
               for i, d in enumerate(int(c) for c in reversed(s))) % 10 == 0
while True:
    s = "7" + "".join(random.choice("0123456789") for _ in range(13))
    if luhn(s) and luhn(s[:9]):
        print(s)
        break')
if [ "${PERF:-0}" = 1 ]; then
  perf record -g -p "$server" -o perf.data >/dev/null 2>&1 &
  recorder=$!
  sleep 1
fi
"$amexist" service add "$siret" --name "Nouveau service $siret" --region 11 >/dev/null
for _ in 1 2 3 4 5 6; do curl -s -o /dev/null -w 'search after the write %{time_total} s\n' "$search"; done
curl -s -o /dev/null -w 'the new service page after the write %{time_total} s\n' \
  "http://127.0.0.1:$port/services/$siret.json"
curl -s -o /dev/null -w 'the first service page after the write %{time_total} s\n' \
  "http://127.0.0.1:$port/services/$first.json"

if [ "${PERF:-0}" = 1 ]; then kill -INT "$recorder"; wait "$recorder" 2>/dev/null || true; fi
printf 'server RSS after: %s KiB\n' "$(awk '/VmRSS/ { print $2 }' "/proc/$server/status")"
