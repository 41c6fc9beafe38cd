#!/usr/bin/env bash
# The cost of witnessing: a round (the newest checkpoint to two witnesses on loopback, in
# parallel, cosignatures verified and kept) and an append followed by a round (as `amexist
# attest` waits for one), next to the reference: the same durable append alone.
# Usage: Benchmarks/witness.sh [samples, default 200]
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-200}
swift build -c release --product amexist-witness-benchmark >/dev/null
binary=$(swift build -c release --show-bin-path)/amexist-witness-benchmark
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
"$binary" "$folder" "$samples"
