#!/usr/bin/env bash
# The registry on PostgreSQL next to SQLite, in the same run: durable appends (single-event
# batches, each sealed by a signed checkpoint) from 1 and 8 concurrent writers, reads of one
# event by index, and service lookups over HTTP (wrk on loopback against `amexist serve`).
# A throw-away PostgreSQL server on a Unix socket (fsync and synchronous_commit on, as the
# defaults) is started for the run and removed after it. Prints figures and PostgreSQL/SQLite
# ratios. Needs Debian's postgresql package, wrk, taskset and bc; runs as root or not.
# Usage: Benchmarks/postgres.sh [events per store run, default 2000] [seconds per HTTP run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-2000}
seconds=${2:-10}
swift build -c release --product amexist >/dev/null
swift build -c release --product amexist-store-benchmark >/dev/null
bin=$(swift build -c release --show-bin-path)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
  as_pg "$pgbin/pg_ctl" -D "$work/pg" stop -m fast >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
as_pg "$pgbin/initdb" -D "$work/pg" -U bench -A trust >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-c listen_addresses='' -k $work -c shared_buffers=256MB" start >/dev/null </dev/null
db() { "$pgbin/psql" -h "$work" -U bench -d postgres -Xqc "CREATE DATABASE $1"; echo "postgres://bench@/$1?host=$work"; }

printf 'events per run %s; PostgreSQL %s on a Unix socket\n' "$events" "$("$pgbin/postgres" --version | awk '{print $3}')"
for writers in 1 8; do
  rm -f "$work/s$writers.sqlite"*
  read -r _ s_app s_read < <("$bin/amexist-store-benchmark" "$work/s$writers.sqlite" "$events" "$writers" | awk '{printf "%s ", $2} END {print ""}')
  read -r _ p_app p_read < <("$bin/amexist-store-benchmark" "$(db "w$writers")" "$events" "$writers" | awk '{printf "%s ", $2} END {print ""}')
  printf 'appends, %s writer(s):  SQLite %6s events/s  PostgreSQL %6s events/s  ratio %.2f\n' "$writers" "$s_app" "$p_app" "$(echo "$p_app / $s_app" | bc -l)"
  printf 'reads by index, %s task(s): SQLite %6s reads/s  PostgreSQL %6s reads/s  ratio %.2f\n' "$writers" "$s_read" "$p_read" "$(echo "$p_read / $s_read" | bc -l)"
done

# Lookups over HTTP: the same demo registry on each engine, the server pinned to core 0.
siret=90122334500017
measure() {
  taskset -c 1 wrk -t1 -c64 -d"${seconds}s" --latency "$@" | awk '
    /Requests\/sec/ { rps = $2 }
    /^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v = v / 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v = v * 1000 }; p99 = v }
    / Non-2xx/ { bad = $5 }
    END { printf "%.0f %.2f %s\n", rps, p99, (bad == "" ? 0 : bad) }'
}
lookup() { # folder, database URL or empty; prints "rps p99 non2xx"
  mkdir -p "$1" && cd "$1"
  if [ -n "$2" ]; then export AMEXIST_DATABASE_URL="$2"; else unset AMEXIST_DATABASE_URL; fi
  "$bin/amexist" demo --no-serve >/dev/null
  taskset -c 0 "$bin/amexist" serve --port 18191 --client-rate 1000000 --read-only >server.log 2>&1 &
  server=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:18191/healthz" >/dev/null && break; sleep 0.2; done
  measure -H 'Accept: application/json' "http://127.0.0.1:18191/services/$siret" >/dev/null # warm-up
  measure -H 'Accept: application/json' "http://127.0.0.1:18191/services/$siret"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  cd - >/dev/null
}
read -r s_rps s_p99 s_bad < <(lookup "$work/http-sqlite" "")
read -r p_rps p_p99 p_bad < <(lookup "$work/http-pg" "$(db lookups)")
printf 'lookups /services/{siret} JSON, %s s, 64 connections: SQLite %s req/s p99 %s ms (non-2xx %s)  PostgreSQL %s req/s p99 %s ms (non-2xx %s)  ratio %.2f\n' \
  "$seconds" "$s_rps" "$s_p99" "$s_bad" "$p_rps" "$p_p99" "$p_bad" "$(echo "$p_rps / $s_rps" | bc -l)"
