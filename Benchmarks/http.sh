#!/usr/bin/env bash
# The service lookup over HTTP next to nginx serving the same JSON bytes as a static file, in
# the same run: wrk on loopback, the server pinned to core 0 and the load to core 1.
# Prints requests/s and p99 for /services/{siret} as JSON and as HTML, nginx's for the same
# JSON, the ratios, and the server's resident memory before and after a long run.
# Needs wrk, nginx (nginx-light) and taskset.
# Usage: Benchmarks/http.sh [seconds per run, default 20] [connections, default 64] [soak seconds, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-64}
soak=${3:-60}
source Benchmarks/demo-server.sh
siret=90122334500017
port=18181
nginx_port=18182
start_server "$port"
start_nginx "$nginx_port" "$port" "$siret"

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
read -r static_rps static_p99 static_bad < <(measure "http://127.0.0.1:$port/static/style.css")
read -r json_rps json_p99 json_bad < <(measure -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret")
read -r html_rps html_p99 html_bad < <(measure "http://127.0.0.1:$port/services/$siret")
printf 'connections %s, %s s per run, server on core 0, wrk on core 1\n' "$connections" "$seconds"
printf 'nginx static JSON      %8s req/s  p99 %6s ms  non-2xx %s\n' "$nginx_rps" "$nginx_p99" "$nginx_bad"
printf 'amexist /static/style.css (a precomputed reply: the framework alone) %s req/s  p99 %s ms  ratio to nginx %.2f\n' "$static_rps" "$static_p99" "$(echo "$static_rps / $nginx_rps" | bc -l)"
printf 'amexist JSON           %8s req/s  p99 %6s ms  non-2xx %s  ratio to nginx %.2f\n' "$json_rps" "$json_p99" "$json_bad" "$(echo "$json_rps / $nginx_rps" | bc -l)"
printf 'amexist HTML           %8s req/s  p99 %6s ms  non-2xx %s  ratio to nginx %.2f\n' "$html_rps" "$html_p99" "$html_bad" "$(echo "$html_rps / $nginx_rps" | bc -l)"

before=$(rss)
seconds=$soak measure -H 'Accept: application/json' "http://127.0.0.1:$port/services/$siret" >/dev/null
middle=$(rss)
seconds=$soak measure "http://127.0.0.1:$port/services/$siret" >/dev/null
after=$(rss)
printf 'server RSS: %s KiB before, %s KiB after %s s of JSON, %s KiB after %s s more of HTML\n' "$before" "$middle" "$soak" "$after" "$soak"
