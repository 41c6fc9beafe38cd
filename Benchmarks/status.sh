#!/usr/bin/env bash
# Status snapshot and lists: build, sign and size at N attestations, and the renewal after one
# write, next to one durable append in the same run; prints each figure and the ratio.
# Usage: Benchmarks/status.sh [attestations, default 1000]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
swift build -c release --product amexist-status-benchmark >/dev/null
binary=$(swift build -c release --show-bin-path)/amexist-status-benchmark
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
"$binary" "$folder" "$count"
