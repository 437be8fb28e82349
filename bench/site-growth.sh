#!/usr/bin/env bash
# Benchmark: how `debrief build` and `hugo` grow with the archive, in time and peak memory.
# Runs bench/site.sh (peak RSS of one run each, then interleaved timed rounds) on generated
# archives of each size in turn, each on the same content for both tools.
#
#   bash bench/site-growth.sh [dir]        (default /dev/shm/debrief-bench: tmpfs, so the
#                                           file system's speed is not what is measured)
# SIZES (default "1000 4000 10000") and RUNS (default 5) pick the sizes and rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-/dev/shm/debrief-bench}
for count in ${SIZES:-1000 4000 10000}; do
  echo "### $count incidents"
  echo
  RUNS=${RUNS:-5} bash bench/site.sh "$count" "$base/$count"
  echo
done
