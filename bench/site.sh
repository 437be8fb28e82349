#!/usr/bin/env bash
# Benchmark: `debrief build` of a 1,000-incident archive (100 timeline entries, 10 factors,
# 10 actions and 2 KB of notes each; charts included) against `hugo` building the same content
# as 1,000 Markdown pages with a minimal layout, side by side in one hyperfine run. Both start
# from an empty output folder each run. Reports medians, the ratio and peak RSS.
#
#   bash bench/site.sh [count] [dir]     (default 1000, target/bench-site)
# Put dir on tmpfs (/dev/shm/...) to measure generation without the file system's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
dir=${2:-target/bench-site}
runs=${RUNS:-7}
command -v hugo >/dev/null || { apt-get update -qq && apt-get install -y -qq hugo >/dev/null; }
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -q
bin=$PWD/target/release/debrief
[ -d "$dir/archive" ] || cargo run --release -q --example bench_archive -- "$dir" "$count"
dir=$(cd "$dir" && pwd)
out_d=$dir/out-debrief
out_h=$dir/out-hugo
hyperfine -N -w 1 -r "$runs" --export-json /tmp/debrief-site-bench.json \
  --prepare "rm -rf $out_d $out_h" \
  "$bin build $dir/archive --out $out_d --today 2026-11-26" \
  "hugo --quiet -s $dir/hugo -d $out_h" >/dev/null
rm -rf "$out_d" "$out_h"
rss_d=$(/usr/bin/time -f %M "$bin" build "$dir/archive" --out "$out_d" --today 2026-11-26 2>&1 >/dev/null | tail -1)
rss_h=$(/usr/bin/time -f %M hugo --quiet -s "$dir/hugo" -d "$out_h" 2>&1 >/dev/null | tail -1)
size_d=$(du -sm "$out_d" | cut -f1)
size_h=$(du -sm "$out_h" | cut -f1)
python3 - "$rss_d" "$rss_h" "$size_d" "$size_h" "$count" "$(hugo version | cut -d' ' -f2)" <<'PY'
import json, sys
rss_d, rss_h, size_d, size_h, count, hugo = sys.argv[1:]
r = {x["command"].split()[0].split("/")[-1]: x for x in json.load(open("/tmp/debrief-site-bench.json"))["results"]}
d, h = r["debrief"]["median"], r["hugo"]["median"]
print("| tool | median | peak RSS | output |")
print("|---|---|---|---|")
print(f"| `debrief build` ({count} incidents) | {d:.2f} s | {int(rss_d)/1024:.0f} MB | {size_d} MB, {int(count)*5 + 13} files |")
print(f"| `hugo` {hugo} ({count} pages) | {h:.2f} s | {int(rss_h)/1024:.0f} MB | {size_h} MB |")
print(f"\nratio debrief/hugo: {d/h:.2f} (target <= 1.0); runs: {len(r['debrief']['times'])} each")
PY
