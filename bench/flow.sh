#!/usr/bin/env bash
# Benchmark: layout and drawing of the flow diagram on the largest graphs a file can hold
# (a 500-factor chain with 4,500 long links; 500 factors with 5,000 random links).
#
#   bash bench/flow.sh [runs]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q --example bench_flow
target/release/examples/bench_flow "${1:-5}"
