#!/usr/bin/env bash
# Benchmark: `debrief timeline --sources` with an include filter against `rg -c` with the same
# regex, on the same generated logs, side by side in one hyperfine run. Reports medians, the
# ratio, throughput, and peak RSS at two log sizes (memory must not grow with the logs).
#
#   bash bench/evidence.sh [size-in-MiB]      (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
runs=${RUNS:-15}
source bench/logs-setup.sh
small=${BENCH_DIR:-target/bench}/logs-64
[ -f "$small/incident.toml" ] || cargo run --release -q --example bench_logs -- "$small" 64
small=$(cd "$small" && pwd)
regex='timeout acquiring connection'
bytes=$(cat "$data"/logs/* | wc -c)

cd "$data"
cat logs/* > /dev/null   # warm the page cache for both tools
hyperfine -N -w 2 -r "$runs" --export-json /tmp/debrief-bench.json \
  "$bin timeline . --sources --format json" \
  "rg -c '$regex' logs/" >/dev/null
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_big=$(rss "$bin" timeline . --sources --format json)
rss_small=$(cd "$small" && rss "$bin" timeline . --sources --format json)
kept=$("$bin" timeline . --sources --format json | grep -c '"curated": false' || true)

python3 - "$bytes" "$rss_small" "$rss_big" "$kept" "$size" <<'PY'
import json, sys
bytes_, rss_small, rss_big, kept, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
r = {x["command"].split()[0].split("/")[-1]: x for x in json.load(open("/tmp/debrief-bench.json"))["results"]}
d, g = r["debrief"]["median"], r["rg"]["median"]
mib = bytes_ / 2**20
print(f"| logs | tool | median | throughput | peak RSS |")
print(f"|---|---|---|---|---|")
print(f"| {mib:.0f} MiB, 4 files | `debrief timeline --sources` | {d*1000:.0f} ms | {mib/d:.0f} MiB/s | {rss_big/1024:.1f} MB ({rss_small/1024:.1f} MB at 64 MiB) |")
print(f"| {mib:.0f} MiB, 4 files | `rg -c` | {g*1000:.0f} ms | {mib/g:.0f} MiB/s | |")
print(f"\nthroughput ratio debrief/rg: {g/d:.2f} (target >= 0.5); candidates kept: {kept}; runs: {len(r['debrief']['times'])} each")
PY

# The same comparison on nginx and logfmt only (half the size each): the logfmt reader finds
# the time by its key, which costs more per line than a time at the start.
mixed=${BENCH_DIR:-target/bench}/logs-$size-nginx-logfmt
cd "$OLDPWD"
[ -f "$mixed/incident.toml" ] || cargo run --release -q --example bench_logs -- "$mixed" "$size" nginx-logfmt
cd "$mixed"
cat logs/* > /dev/null
hyperfine -N -w 2 -r "$runs" --export-json /tmp/debrief-bench-mixed.json \
  "$bin timeline . --sources --format json" \
  "rg -c '$regex' logs/" >/dev/null
python3 - <<'PY'
import json
r = {x["command"].split()[0].split("/")[-1]: x for x in json.load(open("/tmp/debrief-bench-mixed.json"))["results"]}
d, g = r["debrief"]["median"], r["rg"]["median"]
print(f"\nnginx + logfmt: debrief {d*1000:.0f} ms, rg {g*1000:.0f} ms: {d/g:.2f}x rg's time (target <= 2x)")
PY
