#!/usr/bin/env bash
# Fuzzes every parser in FuzzTargets with libFuzzer and AddressSanitizer for SECONDS each.
#   Fuzz/run.sh [SECONDS] [TARGET...]      (default: 20 s, every target)
# Builds amexist-fuzz with -sanitize=fuzzer,address -DFUZZING in .build-fuzz, seeds each
# target's corpus from the fixture (amexist-fuzz seed), runs libFuzzer, and prints one line per
# target: executions, seconds, crashes. A crashing input is copied to Fuzz/Regressions/TARGET/
# (fix it, keep it: the regression test replays it) and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json jws note proof bundle trust csv admin)

swift build -q --product amexist-fuzz >/dev/null
work=$(mktemp -d /tmp/amexist-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
.build/debug/amexist-fuzz seed "$work/seeds"
# The linker warns about every sanitizer symbol it cannot export: the log is shown on failure only.
swift build -q --build-path .build-fuzz --product amexist-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >"$work/build.log" 2>&1 ||
  { grep -v 'Cannot export' "$work/build.log" >&2; exit 1; }
fuzzer=.build-fuzz/debug/amexist-fuzz

status=0
printf '%-8s %12s %8s %8s\n' target executions seconds crashes
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target" "$work/crash/$target"
  log="$work/$target.log"
  # -rss_limit_mb and -malloc_limit_mb catch unbounded allocation; -timeout catches hangs.
  if AMEXIST_FUZZ_TARGET=$target "$fuzzer" "$work/corpus/$target" "$work/seeds/$target" \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -max_len=70000 -print_final_stats=1 -artifact_prefix="$work/crash/$target/" \
    >"$log" 2>&1; then
    crashes=0
  else
    crashes=$(find "$work/crash/$target" -type f | wc -l)
    [ "$crashes" -gt 0 ] || crashes=1
    mkdir -p "Fuzz/Regressions/$target"
    cp "$work/crash/$target"/* "Fuzz/Regressions/$target/" 2>/dev/null || true
    tail -40 "$log" >&2
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  printf '%-8s %12s %8s %8s\n' "$target" "${runs:-?}" "${time:-$seconds}" "$crashes"
done
exit $status
