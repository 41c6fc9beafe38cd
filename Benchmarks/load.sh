#!/usr/bin/env bash
# Sustained load (catalogue E, G5): an open-loop mix of lookups and verifications on loopback,
# with 1,000 idle connections held open beside it, then 1,000 clients reconnecting at once
# after a restart. The server is pinned to core 0, the load generator (Benchmarks/load.py) to
# core 1. The reference, in the same run: nginx serving a service's JSON as a static file, under
# the same generator, rate and idle connections.
# Prints requests/s, p50/p99/p99.9 latency from each request's due time, statuses, connection
# errors, the idle connections closed by the server, and the server's RSS before and after.
# Needs python3, nginx (nginx-light), taskset, curl.
# The reference runs at most 60 s; the server's RSS is sampled every 30 s of the measured run.
# Usage: Benchmarks/load.sh [seconds, default 60] [requests/s, default 2000] [idle, default 1000]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
rate=${2:-2000}
idle=${3:-1000}
here=$PWD
source Benchmarks/demo-server.sh
port=18191
nginx_port=18192
start_server "$port"

# The mix: service pages as JSON (active, suspended, unknown), a search, an attestation's live
# status page, and bundles posted to /verify (one genuine, one with its signature altered).
bundle=$(ls Registry/attestations/*.amexist.json | head -1)
uuid=$(basename "$bundle" .amexist.json)
python3 - "$bundle" >altered.json <<'PY'
import json, sys
bundle = json.load(open(sys.argv[1]))
head, payload, signature = bundle["jws"].split(".")
bundle["jws"] = ".".join([head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
print(json.dumps(bundle))
PY
cat >mix.txt <<MIX
40 GET /services/90122334500017
10 GET /services/90344556700014
5 GET /services/90000000000000
10 GET /services.json?q=sant%C3%A9&level=2
15 GET /attestations/$uuid
15 POST /verify $PWD/$bundle
5 POST /verify $PWD/altered.json
MIX
start_nginx "$nginx_port" "$port" 90122334500017
echo "1 GET /services/90122334500017.json" >nginx-mix.txt

generate() { taskset -c 1 python3 "$here/Benchmarks/load.py" "$@"; }
# Warm-up (not reported).
generate load --port "$port" --rate "$rate" --seconds 5 --idle 0 --paths mix.txt >/dev/null
# The reference needs no soak: at most 60 s of it.
reference_seconds=$((seconds < 60 ? seconds : 60))
reference=$(generate load --port "$nginx_port" --rate "$rate" --seconds "$reference_seconds" --idle "$idle" --paths nginx-mix.txt)
before=$(rss)
# The server's RSS every 30 s of the measured run (memory under load: flat or growing).
(while sleep 30; do rss >>rss-samples.txt || break; done) &
sampler=$!
measured=$(generate load --port "$port" --rate "$rate" --seconds "$seconds" --idle "$idle" --paths mix.txt)
kill "$sampler" 2>/dev/null || true
after=$(rss)
kill "$server"
wait "$server" 2>/dev/null || true
start_server "$port"
restarted=$(rss)
echo "1 GET /services/90122334500017" >herd.txt
herd=$(generate herd --port "$port" --count 1000 --paths herd.txt)
herd_rss=$(rss)

printf '%s s at %s requests/s (open loop), %s idle connections held, server on core 0, load on core 1\n' "$seconds" "$rate" "$idle"
printf 'nginx static JSON (reference): %s\n' "$reference"
printf 'amexist mixed lookups and verifications: %s\n' "$measured"
python3 - "$reference" "$measured" <<'PY'
import json, sys
reference, measured = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for key in ("requests_per_second", "p50_ms", "p99_ms", "p999_ms"):
    print(f"  {key}: amexist {measured[key]}, nginx {reference[key]}, ratio {measured[key] / reference[key]:.2f}")
PY
printf 'server RSS: %s KiB before, %s KiB after\n' "$before" "$after"
if [ -s rss-samples.txt ]; then
  printf 'server RSS every 30 s (KiB): %s\n' "$(tr '\n' ' ' <rss-samples.txt)"
  awk 'NR == 1 { first = $1 } { if (min == "" || $1 < min) min = $1; if ($1 > max) max = $1 }
    END { printf "  spread %.1f %% of the first sample (max %d, min %d)\n", (max - min) * 100 / first, max, min }' rss-samples.txt
fi
printf 'after a restart, 1000 clients at once: %s; RSS %s KiB before, %s KiB after\n' "$herd" "$restarted" "$herd_rss"
