#!/usr/bin/env bash
# Benchmark: 300 participants hold SSE connections while 1,500 operations arrive, against the
# real server binary on loopback, with a fresh copy of sample-incident/ per run. Two shapes:
# - burst: every participant sends its 5 operations at once;
# - sustained: 50 participants each make 30 edits in a row (each sent when the previous one
#   is acknowledged) while all 300 screens follow.
#
# Each shape runs in two phases of the meeting: timeline (phones hold their own submissions) and
# actions (every phone's state holds the growing lists of factors and actions). The
# facilitator's shared screen is connected in every run (BENCH_NO_FACILITATOR=1 leaves it out).
#
#   bash bench/meeting.sh [participants] [operations] [runs]      (default 300, 1500, 5)
# SHAPES (default "burst sustained") picks the shapes; WRITERS (default 50) sizes the second;
# PHASES (default "timeline actions") picks the phases. The bench fails if any acknowledged
# operation is missing from incident.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || true
cargo build --release -q
cargo build --release -q --example bench_meeting
participants=${1:-300}
for shape in ${SHAPES:-burst sustained}; do
  case $shape in
    burst) writers=$participants ;;
    sustained) writers=${WRITERS:-50} ;;
    *) echo "unknown shape $shape (burst or sustained)" >&2; exit 2 ;;
  esac
  for phase in ${PHASES:-timeline actions}; do
    echo "## $shape, $phase phase"
    target/release/examples/bench_meeting target/release/debrief "$participants" "${2:-1500}" "${3:-5}" "$writers" "$phase"
    echo
  done
done
