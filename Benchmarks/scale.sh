#!/usr/bin/env bash
# Goal 5 of the performance series from nothing: a fresh registry (`amexist init`) with N
# services imported from a generated CSV (valid SIRETs, each with a level 1 decision: 2N + 1
# entries), then, with `/usr/bin/time` (seconds, peak RSS): `service list --json` and `service
# show` after the kept verified log is removed (each command then makes the whole verified pass
# and keeps its result), the same commands again (a new process restores the kept result), then
# Benchmarks/scale-window.sh on the same folder (searches right after a write from another
# process, the server's RSS). The folder is removed at the end unless KEEP=1.
# Needs python3, curl and GNU time (/usr/bin/time).
# Usage: Benchmarks/scale.sh [services, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-100000}
swift build -c release --product amexist >/dev/null
amexist="$(swift build -c release --show-bin-path)/amexist"
checkout=$PWD
work=$(mktemp -d)
trap '[ "${KEEP:-}" = 1 ] && echo "kept $work" || rm -rf "$work"' EXIT
cd "$work"
"$amexist" init --quiet >/dev/null 2>init.log
python3 - "$services" >services.csv <<'PY'
import random, sys
def luhn(s):
    return sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
               for i, d in enumerate(int(c) for c in reversed(s))) % 10 == 0
random.seed(22)
seen = set()
print("siret,name,city,region,level,decided,valid_until")
regions = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
while len(seen) < int(sys.argv[1]):
    s = "8" + "".join(random.choice("0123456789") for _ in range(13))
    if s in seen or not (luhn(s) and luhn(s[:9])):
        continue
    seen.add(s)
    n = len(seen)
    print(f"{s},Service de santé au travail {n},Ville {n % 997},{regions[n % len(regions)]},1,2026-01-15,2029-01-14")
PY
# Times a command: "seconds peak-KiB".
timed() { /usr/bin/time -f '%e %M' -o time.txt "$@" >/dev/null 2>>commands.log; cat time.txt; }
read -r import_s import_kib < <(timed "$amexist" service import services.csv --quiet)
entries=$((2 * services + 1))
siret=$(sed -n 2p services.csv | cut -d, -f1)
rm -f Keys/private/verified-log
read -r list_cold_s list_cold_kib < <(timed "$amexist" service list --json --quiet)
rm -f Keys/private/verified-log
read -r show_cold_s show_cold_kib < <(timed "$amexist" service show "$siret" --quiet)
read -r show_s show_kib < <(timed "$amexist" service show "$siret" --quiet)
read -r list_s list_kib < <(timed "$amexist" service list --json --quiet)
read -r list2_s list2_kib < <(timed "$amexist" service list --json --quiet)
listed=$("$amexist" service list --json --quiet | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
[ "$listed" = "$services" ] || { echo "the registry lists $listed services, not $services" >&2; cat commands.log >&2; exit 1; }
printf '%s services, %s entries; import %s s, %s KiB peak\n' "$services" "$entries" "$import_s" "$import_kib"
printf 'service list --json, whole verified pass  %6s s  %8s KiB peak\n' "$list_cold_s" "$list_cold_kib"
printf 'service list --json, kept result restored %6s s  %8s KiB peak  (again: %s s)  goal < 1 s\n' "$list_s" "$list_kib" "$list2_s"
printf 'service show, whole verified pass          %6s s  %8s KiB peak\n' "$show_cold_s" "$show_cold_kib"
printf 'service show, kept result restored         %6s s  %8s KiB peak  goal < 0.1 s\n' "$show_s" "$show_kib"
"$checkout/Benchmarks/scale-window.sh" "$work"
