#!/usr/bin/env bash
# Benchmark: `debrief timeline --templates` and `--moments`, which read every entry of every
# source, against `rg -c .`, which reads every line, on the same 1 GiB of generated logs, side by
# side: interleaved rounds, each command once per round (bench/interleave.py), so a machine
# whose speed drifts slows all three alike. Reports medians, ratios and peak RSS.
#
#   bash bench/moments.sh [size-in-MiB]      (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
runs=${RUNS:-5}
source bench/logs-setup.sh
# The same logs as one incident whose sources keep every entry (no include filter).
all=$data-every-entry
mkdir -p "$all"
ln -sfn "$data/logs" "$all/logs"
sed -e '/^include = /d' "$data/incident.toml" > "$all/incident.toml"
bytes=$(cat "$data"/logs/* | wc -c)

root=$PWD
cd "$all"
cat logs/* > /dev/null   # warm the page cache for every tool
python3 "$root/bench/interleave.py" --runs "$runs" --warmup 1 --json /tmp/debrief-moments.json \
  rg "rg -c . logs/" \
  templates "$bin timeline . --templates --format json" \
  moments "$bin timeline . --moments --format json" >/dev/null
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_templates=$(rss "$bin" timeline . --templates --format json)
rss_moments=$(rss "$bin" timeline . --moments --format json)
templates=$("$bin" timeline . --templates --format json | grep -c '"lane"' || true)
moments=$("$bin" timeline . --moments --format json | grep -c '"kind": "moment"' || true)

python3 - "$bytes" "$rss_templates" "$rss_moments" "$templates" "$moments" <<'PY'
import json, sys
bytes_, rss_t, rss_m, templates, moments = (int(x) for x in sys.argv[1:6])
import statistics
times = json.load(open("/tmp/debrief-moments.json"))
wall = {name: t["wall"] for name, t in times.items()}
med = {name: statistics.median(w) for name, w in wall.items()}
# The ratio to rg within each round (both ran back to back), then the median of those.
paired = {name: statistics.median(x / g for x, g in zip(w, wall["rg"])) for name, w in wall.items()}
mib = bytes_ / 2**20
print("| logs | command | median | vs `rg -c .` (per round) | peak RSS |")
print("|---|---|---|---|---|")
for name, rss in (("templates", rss_t), ("moments", rss_m)):
    print(f"| {mib:.0f} MiB, 4 files | `debrief timeline --{name}` | {med[name]*1000:.0f} ms | {paired[name]:.2f}× | {rss/1024:.1f} MB |")
print(f"| {mib:.0f} MiB, 4 files | `rg -c .` | {med['rg']*1000:.0f} ms | 1.00× | |")
print(f"\ntemplates: {templates}; moments: {moments}; {len(wall['rg'])} interleaved rounds (targets: at most 4× rg, RSS at most 200 MB)")
PY
