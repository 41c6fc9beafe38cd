#!/usr/bin/env bash
# Attestations signed and verified per second on one core, next to `openssl speed ed25519` on
# the same core in the same run; prints each rate and the ratio to OpenSSL's. Verification is
# measured cold (every signature checked) and in bulk (bundles sharing a checkpoint, verified
# by one verifier: one signature each).
# Usage: Benchmarks/attestations.sh [seconds per measurement, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3}
swift build -c release --product amexist-benchmark >/dev/null
binary=$(swift build -c release --show-bin-path)/amexist-benchmark

ours=$(taskset -c 0 "$binary" "$seconds")
echo "$ours"
openssl_line=$(taskset -c 0 openssl speed -seconds "$seconds" ed25519 2>/dev/null | grep 'EdDSA (Ed25519)' | tail -1)
echo "openssl: $openssl_line"
openssl_sign=$(echo "$openssl_line" | awk '{print $(NF-1)}')
openssl_verify=$(echo "$openssl_line" | awk '{print $NF}')
sign=$(echo "$ours" | awk '/^amexist_sign_per_second/ {print $2}')
verify=$(echo "$ours" | awk '/^amexist_verify_per_second/ {print $2}')
bulk=$(echo "$ours" | awk '/^amexist_bulk_verify_per_second/ {print $2}')
pdf_render=$(echo "$ours" | awk '/^amexist_pdf_render_per_second/ {print $2}')
pdf_verify=$(echo "$ours" | awk '/^amexist_pdf_verify_per_second/ {print $2}')
awk -v s="$sign" -v v="$verify" -v os="$openssl_sign" -v ov="$openssl_verify" \
  -v pr="$pdf_render" -v pv="$pdf_verify" -v b="$bulk" 'BEGIN {
  printf "openssl_ed25519_sign_per_second %d\nopenssl_ed25519_verify_per_second %d\n", os, ov
  printf "ratio_sign %.2f\nratio_verify %.2f\nratio_bulk_verify %.2f\n", s / os, v / ov, b / ov
  printf "ratio_pdf_render_to_bundle_verify %.2f\nratio_pdf_verify_to_bundle_verify %.2f\n", pr / v, pv / v
}'
