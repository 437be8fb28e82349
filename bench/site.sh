#!/usr/bin/env bash
# Benchmark: `debrief build` of a 1,000-incident archive (100 timeline entries, 10 factors,
# 10 actions and 300 words of notes over a large vocabulary each; charts included) against
# `hugo` building the same content as 1,000 Markdown pages with a minimal layout, side by
# side: interleaved rounds, each tool once per round (bench/interleave.py), each run from an
# empty output folder. Reports medians, the ratio and peak RSS.
#
#   bash bench/site.sh [count] [dir]     (default 1000, target/bench-site)
# Put dir on tmpfs (/dev/shm/...) to measure generation without the file system's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
dir=${2:-target/bench-site}
runs=${RUNS:-7}
command -v hugo >/dev/null || { apt-get update -qq && apt-get install -y -qq hugo >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -q
bin=$PWD/target/release/debrief
[ -d "$dir/archive" ] || cargo run --release -q --example bench_archive -- "$dir" "$count"
dir=$(cd "$dir" && pwd)
out_d=$dir/out-debrief
out_h=$dir/out-hugo
rm -rf "$out_d" "$out_h"
# Peak memory, one run each.
rss_d=$(/usr/bin/time -f %M "$bin" build "$dir/archive" --out "$out_d" --today 2026-11-26 2>&1 >/dev/null | tail -1)
rss_h=$(/usr/bin/time -f %M hugo --quiet -s "$dir/hugo" -d "$out_h" 2>&1 >/dev/null | tail -1)
echo "| tool | peak RSS | output |"
echo "|---|---|---|"
echo "| \`debrief build\` ($count incidents) | $((rss_d / 1024)) MB | $(du -sm "$out_d" | cut -f1) MB, $(find "$out_d" -type f | wc -l) files |"
echo "| \`hugo\` $(hugo version | cut -d' ' -f2) ($count pages) | $((rss_h / 1024)) MB | $(du -sm "$out_h" | cut -f1) MB, $(find "$out_h" -type f | wc -l) files |"
echo
# Time: interleaved rounds, each starting from empty output folders.
python3 bench/interleave.py --runs "$runs" --warmup 1 --prepare "rm -rf $out_d $out_h" \
  debrief "$bin build $dir/archive --out $out_d --today 2026-11-26" \
  hugo "hugo --quiet -s $dir/hugo -d $out_h"
echo "(target: debrief/hugo <= 1.0)"
rm -rf "$out_d" "$out_h"
