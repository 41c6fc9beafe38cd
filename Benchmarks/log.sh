#!/usr/bin/env bash
# Durable append throughput of the log (batches of 1 and 1,000, each sealed by a signed
# checkpoint) next to plain durable SQLite inserts of the same bytes, and proof generation at
# 10^6 events next to reading one entry; prints each figure and the ratios.
# Usage: Benchmarks/log.sh [events, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
swift build -c release --product amexist-log-benchmark >/dev/null
binary=$(swift build -c release --show-bin-path)/amexist-log-benchmark
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
"$binary" "$folder" "$events"
du -sh "$folder"/log.sqlite* | sed 's/^/size /'
