#!/usr/bin/env bash
# Benchmark: 300 participants hold SSE connections while 1,500 operations arrive in a burst,
# against the real server binary on loopback, with a fresh copy of sample-incident/ per run.
#
#   bash bench/meeting.sh [participants] [operations] [runs]      (default 300, 1500, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || true
cargo build --release -q
cargo build --release -q --example bench_meeting
target/release/examples/bench_meeting target/release/debrief "${1:-300}" "${2:-1500}" "${3:-5}"
