#!/usr/bin/env bash
# The service lookup over HTTP next to two references serving the same JSON bytes, in the same
# run: a bare Hummingbird 2 route (amexist-bare-route, the framework's floor) and nginx serving
# them as a static file; and the bare route again sending the registry's own response headers,
# to tell what those fields cost from what the middleware costs. wrk on loopback, each server
# pinned to core 0 and the load to core 1.
# Prints requests/s and p99 for /services/{siret} as JSON and as HTML, the references', the
# ratios, and the server's resident memory before and after a long run.
# Needs wrk, nginx (nginx-light) and taskset.
# Usage: Benchmarks/http.sh [seconds per run, default 20] [connections, default 64] [soak seconds, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-64}
soak=${3:-60}
swift build -c release --product amexist-bare-route >/dev/null
swift build -c release --product amexist-benchmark >/dev/null
bin=$(swift build -c release --show-bin-path)
source Benchmarks/demo-server.sh
siret=90122334500017
port=18181
nginx_port=18182
bare_port=18183
headed_port=18184
start_server "$port"
start_nginx "$nginx_port" "$port" "$siret"
taskset -c 0 "$bin/amexist-bare-route" \
  "www/services/$siret.json" "$bare_port" >bare.log 2>&1 &
bare=$!
# The same route sending the registry's own response header fields (security headers, ETag,
# Vary, CORS): what those fields cost the framework, apart from the middleware.
curl -sf -D head.txt -o /dev/null -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret"
taskset -c 0 "$bin/amexist-bare-route" \
  "www/services/$siret.json" "$headed_port" head.txt >bare-headed.log 2>&1 &
headed=$!
trap 'kill $bare $headed 2>/dev/null || true; cleanup' EXIT
for bare_or_headed in "$bare_port" "$headed_port"; do
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$bare_or_headed/services/$siret" && break; sleep 0.1; done
done

# Runs wrk on core 1; prints "requests/s p99(ms)".
measure() {
  taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }; p99 = v }
    / Non-2xx/ { bad = $5 }
    END { printf "%.0f %.2f %s\n", rps, p99, (bad == "" ? 0 : bad) }'
}

curl -sf -o /dev/null -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret"
measure -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret" >/dev/null # warm-up
curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/services/$siret.json" || { echo "nginx does not serve the file" >&2; exit 1; }
read -r nginx_rps nginx_p99 nginx_bad < <(measure "http://127.0.0.1:$nginx_port/services/$siret.json")
read -r bare_rps bare_p99 bare_bad < <(measure "http://127.0.0.1:$bare_port/services/$siret")
read -r headed_rps headed_p99 headed_bad < <(measure "http://127.0.0.1:$headed_port/services/$siret")
read -r static_rps static_p99 static_bad < <(measure "http://127.0.0.1:$port/static/style.css")
read -r json_rps json_p99 json_bad < <(measure -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret")
read -r html_rps html_p99 html_bad < <(measure "http://127.0.0.1:$port/services/$siret")
printf 'connections %s, %s s per run, server on core 0, wrk on core 1\n' "$connections" "$seconds"
printf 'nginx static JSON      %8s req/s  p99 %6s ms  non-2xx %s\n' "$nginx_rps" "$nginx_p99" "$nginx_bad"
ratio() { echo "$1 / $2" | bc -l; }
printf 'bare Hummingbird route %8s req/s  p99 %6s ms  non-2xx %s  ratio to nginx %.2f\n' "$bare_rps" "$bare_p99" "$bare_bad" "$(ratio "$bare_rps" "$nginx_rps")"
printf 'bare route, registry headers %s req/s  p99 %6s ms  ratio to bare route %.2f\n' "$headed_rps" "$headed_p99" "$(ratio "$headed_rps" "$bare_rps")"
printf 'amexist /static/style.css %5s req/s  p99 %6s ms  ratio to bare route %.2f\n' "$static_rps" "$static_p99" "$(ratio "$static_rps" "$bare_rps")"
printf 'amexist JSON           %8s req/s  p99 %6s ms  non-2xx %s  ratio to bare route %.2f  to nginx %.2f  to the headed route %.2f\n' "$json_rps" "$json_p99" "$json_bad" "$(ratio "$json_rps" "$bare_rps")" "$(ratio "$json_rps" "$nginx_rps")" "$(ratio "$json_rps" "$headed_rps")"
printf 'amexist HTML           %8s req/s  p99 %6s ms  non-2xx %s  ratio to bare route %.2f  to nginx %.2f\n' "$html_rps" "$html_p99" "$html_bad" "$(ratio "$html_rps" "$bare_rps")" "$(ratio "$html_rps" "$nginx_rps")"

# POST /verify with a genuine bundle of the demo registry (as JSON), next to the same bundle
# verified in-process over and over by one verifier under the same trust file, on core 0.
bundle=
for candidate in Registry/attestations/*.amexist.json; do # the first whose verdict is valid
  if curl -s -o verdict.json -H 'Content-Type: application/json' -H 'Accept: application/json' \
    --data-binary "@$candidate" "http://127.0.0.1:$port/verify" && grep -q '"code":"valid"' verdict.json; then
    bundle=$candidate
    break
  fi
done
[ -n "$bundle" ] || { echo "POST /verify finds no demo bundle valid" >&2; cat verdict.json >&2; grep -v "amexist.access" server.log | tail -5 >&2; exit 1; }
cat >verify.lua <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local file = io.open("$PWD/$bundle", "rb")
wrk.body = file:read("*a")
file:close()
LUA
read -r verify_rps verify_p99 verify_bad < <(measure -s verify.lua "http://127.0.0.1:$port/verify")
in_process=$(taskset -c 0 "$bin/amexist-benchmark" "$seconds" file \
  "$bundle" Keys/trust.json | awk '/^amexist_file_verify_per_second/ { print $2 }')
printf 'in-process verification %7s /s (one verifier, one core)\n' "$in_process"
printf 'amexist POST /verify   %8s req/s  p99 %6s ms  non-2xx %s  ratio to in-process %.2f\n' "$verify_rps" "$verify_p99" "$verify_bad" "$(ratio "$verify_rps" "$in_process")"

before=$(rss)
seconds=$soak measure -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret" >/dev/null
middle=$(rss)
seconds=$soak measure "http://127.0.0.1:$port/services/$siret" >/dev/null
after=$(rss)
printf 'server RSS: %s KiB before, %s KiB after %s s of JSON, %s KiB after %s s more of HTML\n' "$before" "$middle" "$soak" "$after" "$soak"
