#!/usr/bin/env bash
# Benchmark: from saving incident.toml (1,000 timeline entries) to the SSE event reaching a
# client on loopback, over 200 saves, with the real server binary.
#
#   bash bench/serve.sh [debounce-ms] [saves] [spread|crowded]      (default 10, 200, spread)
#   BENCH_BIN=path/to/debrief bash bench/serve.sh ...   (another binary, to compare before and after)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
cargo build --release -q --example bench_serve
target/release/examples/bench_serve "${BENCH_BIN:-target/release/debrief}" "${1:-10}" "${2:-200}" "${3:-spread}"
