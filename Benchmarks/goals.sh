#!/usr/bin/env bash
# Every goal of the performance series in one run, on one build, each next to the reference
# its script measures in the same run: the lookup and POST /verify (http.sh: goals 1 and 2),
# bulk verification (attestations.sh: goal 3), PostgreSQL appends (postgres.sh: goal 4), 10^5
# services and 10^6 events (scale.sh and reads.sh: goal 5), memory under load (load.sh for ten
# minutes: goal 6). Each script's whole output is kept in the output folder; the end of each is
# printed as it finishes. About 20 minutes on a 2-core machine (ten of them the soak).
# Needs what the scripts need: wrk, nginx (nginx-light), taskset, bc, curl, python3, GNU time,
# openssl and Debian's postgresql package.
# Usage: Benchmarks/goals.sh [output folder, default a new temporary one]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
for product in amexist amexist-bare-route amexist-benchmark amexist-store-benchmark \
  amexist-read-benchmark; do
  swift build -c release --product "$product" >/dev/null 2>&1
done
echo "outputs in $out; $(git rev-parse --short HEAD 2>/dev/null || echo 'no git'); $(date -u +%FT%TZ)"
# Runs one script into OUT/NAME.txt and prints its last LINES lines (default 12).
step() {
  local name=$1 lines=$2
  shift 2
  printf '\n== %s: %s\n' "$name" "$*"
  local start=$SECONDS
  if ! "$@" >"$out/$name.txt" 2>&1; then
    echo "failed after $((SECONDS - start)) s; see $out/$name.txt"
    return 0
  fi
  grep -v -e 'swift-distributed-tracing' -e 'CMakeLists.txt' -e '^amexist: warning' \
    "$out/$name.txt" | tail -n "$lines"
  echo "($((SECONDS - start)) s)"
}
step goals-1-2-lookup-verify 12 Benchmarks/http.sh 10 64 5
step goal-3-bulk-verification 12 Benchmarks/attestations.sh 3
step goal-4-postgres 14 Benchmarks/postgres.sh 2000 5
step goal-5-scale 30 Benchmarks/scale.sh 100000
step goal-5-open 20 Benchmarks/reads.sh 1000000 100000
step goal-6-memory 25 Benchmarks/load.sh 600 1000 1000
