#!/usr/bin/env bash
# Benchmark: `debrief build` over its own previous output, as someone does who edits one
# incident and builds again, against Hugo's full build of the same content (bench/site.sh's
# archive: 1,000 incidents with 300 words of notes each), side by side in interleaved rounds
# (bench/interleave.py). Each round times:
#
#   debrief-edit       one incident's notes.md edited, then built again into the same folder
#                      (its pages and the search are drawn again)
#   debrief-summary    its summary edited (the feeds, the status page and the search show it)
#   debrief-action     one of its action items given another owner (the actions pages, the
#                      calendar and CSV, and the trends and services pages show it)
#   debrief-empty      a build into an empty folder (the cache is written, not read)
#   debrief-unchanged  built again with nothing changed
#   hugo               Hugo's build into an empty folder
#
# bench/edit.sh makes each edit, with a word the incident did not have, right before the
# rebuild and untimed.
# The output of the last rebuild is compared with a clean build's, byte for byte.
#
#   bash bench/rebuild.sh [count] [dir]     (default 1000, target/bench-site)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
dir=${2:-target/bench-site}
runs=${RUNS:-7}
command -v hugo >/dev/null || { apt-get update -qq && apt-get install -y -qq hugo >/dev/null; }

cargo build --release -q
bin=$PWD/target/release/debrief
[ -d "$dir/archive" ] || cargo run --release -q --example bench_archive -- "$dir" "$count"
dir=$(cd "$dir" && pwd)
out_d=$dir/out-rebuild
out_e=$dir/out-empty
out_h=$dir/out-hugo
export DEBRIEF_CACHE_DIR=$dir/cache
rm -rf "$out_d" "$out_e" "$out_h" "$DEBRIEF_CACHE_DIR"
build() { "$bin" build "$dir/archive" --out "$1" --today 2026-11-26; }
# The archive's files may be just generated: settle them, then build twice so that every
# incident is in the cache.
find "$dir/archive" -type f -exec touch -d '1 hour ago' {} +
build "$out_d" 2>/dev/null
build "$out_d"
edited=$(find "$dir/archive" -mindepth 1 -maxdepth 1 -type d | sort | sed -n "$((count / 2))p")
rebuild="$bin build $dir/archive --out $out_d --today 2026-11-26"
# The edits are made before each timed rebuild, untimed: what is timed is debrief's work.
python3 bench/interleave.py --runs "$runs" --warmup 1 --prepare "rm -rf $out_e $out_h" \
  --json "$dir/rebuild-times.json" \
  --before debrief-edit "bash bench/edit.sh notes $edited" \
  --before debrief-summary "bash bench/edit.sh summary $edited" \
  --before debrief-action "bash bench/edit.sh action $edited" \
  debrief-edit "$rebuild" \
  debrief-summary "$rebuild" \
  debrief-action "$rebuild" \
  debrief-empty "$bin build $dir/archive --out $out_e --today 2026-11-26" \
  debrief-unchanged "$bin build $dir/archive --out $out_d --today 2026-11-26" \
  hugo "hugo --quiet -s $dir/hugo -d $out_h"
# Each rebuild against Hugo's build of the same round, the median of those ratios.
python3 - "$dir/rebuild-times.json" <<'PY'
import json, statistics, sys
wall = {name: t["wall"] for name, t in json.load(open(sys.argv[1])).items()}
for name in wall:
    if name != "hugo":
        ratio = statistics.median(a / h for a, h in zip(wall[name], wall["hugo"]))
        print(f"{name} against hugo: {ratio:.2f} (median of per-round ratios)")
PY
echo "(target: each edit's rebuild against hugo at most 0.1)"
# What the last rebuild said, and whether its site is a clean build's.
build "$out_d"
rm -rf "$out_e"
DEBRIEF_CACHE_DIR= build "$out_e" 2>/dev/null
diff -r "$out_d" "$out_e" >/dev/null && echo "rebuilt site identical to a clean build: yes" \
  || { echo "rebuilt site identical to a clean build: NO"; exit 1; }
rm -rf "$out_d" "$out_e" "$out_h"
