#!/usr/bin/env bash
# Catalogue G6: the in-process concurrency tests under ThreadSanitizer. A whole -sanitize=thread
# build (every dependency too) in .build-tsan; then the SQLite store, service and server suites,
# which append from many tasks, read during writes, share pools, caches and rate limiters.
# The PostgreSQL suite is left out by default: slowed down by TSan, its 5 s connection and 10 s
# pool deadlines run out (pass --filter RegistryStorePostgresTests to run it too).
# Caveat (RELIABILITY.md): TSan on Linux does not see Synchronization.Mutex (a futex), so an
# access race reported between two closures given to one Mutex's withLock is a false positive.
# Prints ThreadSanitizer's reports, if any, and exits non-zero on a race or a failed test.
# Usage: Reliability/thread-sanitizer.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# halt_on_error: the first race fails the run instead of scrolling by.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
status=0
swift test --build-path .build-tsan --sanitize=thread \
  --filter 'RegistryStoreSQLiteTests|RegistryServiceTests|RegistryServerTests' \
  "$@" >"$log" 2>&1 || status=$?
grep -E -A30 'WARNING: ThreadSanitizer' "$log" || true
grep -E 'Test run with|✘' "$log" | tail -20
races=$(grep -c 'WARNING: ThreadSanitizer' "$log" || true)
echo "ThreadSanitizer reports: $races; swift test exit status: $status"
[ "$status" -eq 0 ] && [ "$races" -eq 0 ]
