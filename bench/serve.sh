#!/usr/bin/env bash
# Benchmark: from saving incident.toml (1,000 timeline entries) to the SSE event reaching a
# client on loopback, over 200 saves, with the real server binary.
#
#   bash bench/serve.sh [debounce-ms] [saves]      (default 10 and 200)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
cargo build --release -q --example bench_serve
target/release/examples/bench_serve target/release/debrief "${1:-10}" "${2:-200}"
