#!/usr/bin/env bash
# Benchmark: `debrief actions` over a 1,000-incident archive with 10 actions each (10,000
# actions): read every incident.toml, judge every action against the archive's record, and
# print the JSON, the table and the calendar. Side by side with `rg` counting the action
# tables of the same files, which is the cost of just reading them: interleaved rounds, each
# command once per round (bench/interleave.py). Reports medians and ratios.
#
#   bash bench/actions.sh [count] [dir]     (default 1000, target/bench-site)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
dir=${2:-target/bench-site}
runs=${RUNS:-15}
command -v rg >/dev/null || { apt-get update -qq && apt-get install -y -qq ripgrep >/dev/null; }

cargo build --release -q
bin=$PWD/target/release/debrief
[ -d "$dir/archive" ] || cargo run --release -q --example bench_archive -- "$dir" "$count"
dir=$(cd "$dir" && pwd)
actions=$("$bin" actions "$dir/archive" --today 2026-11-26 --format json | grep -c '"state"')
echo "$count incidents, $actions actions; $(nproc) cores"
echo
python3 bench/interleave.py --runs "$runs" --warmup 2 \
  "debrief actions --format json" "$bin actions $dir/archive --today 2026-11-26 --format json" \
  "debrief actions (table)" "$bin actions $dir/archive --today 2026-11-26" \
  "debrief actions --format ics" "$bin actions $dir/archive --today 2026-11-26 --format ics" \
  "rg (read the same files)" "rg -c '^\[\[actions\]\]' $dir/archive"
echo "(target: debrief actions <= 0.3 s at 1,000 incidents)"
