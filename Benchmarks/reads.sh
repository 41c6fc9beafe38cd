#!/usr/bin/env bash
# Verified reads at 10^6 events: a service page and an attestation page through the verified
# reads, next to the same folds on the raw snapshot, and the one verified pass over the whole
# log; prints each figure and the ratios.
# With a number of services, the filler registers them, then updates them in turn; it also times
# a new process restoring the verified log an earlier one kept, next to the whole pass.
# Usage: Benchmarks/reads.sh [events, default 1000000] [services, default: events]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
services=${2:-$events}
swift build -c release --product amexist-read-benchmark >/dev/null
binary=$(swift build -c release --show-bin-path)/amexist-read-benchmark
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
"$binary" "$folder" "$events" "$services"
