#!/usr/bin/env bash
# Verified reads at 10^6 events: a service page and an attestation page through the verified
# reads, next to the same folds on the raw snapshot, and the one verified pass over the whole
# log; prints each figure and the ratios.
# Usage: Benchmarks/reads.sh [events, default 1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
swift build -c release --product amexist-read-benchmark >/dev/null
binary=$(swift build -c release --show-bin-path)/amexist-read-benchmark
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
"$binary" "$folder" "$events"
