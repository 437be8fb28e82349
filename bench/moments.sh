#!/usr/bin/env bash
# Benchmark: `debrief timeline --templates` and `--moments`, which read every entry of every
# source, against `rg -c .`, which reads every line, on the same 1 GiB of generated logs, side by
# side in one hyperfine run. Reports medians, ratios and peak RSS.
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

cd "$all"
cat logs/* > /dev/null   # warm the page cache for every tool
hyperfine -N -w 1 -r "$runs" --export-json /tmp/debrief-moments.json \
  "$bin timeline . --templates --format json" \
  "$bin timeline . --moments --format json" \
  "rg -c . logs/" >/dev/null
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rss_templates=$(rss "$bin" timeline . --templates --format json)
rss_moments=$(rss "$bin" timeline . --moments --format json)
templates=$("$bin" timeline . --templates --format json | grep -c '"lane"' || true)
moments=$("$bin" timeline . --moments --format json | grep -c '"kind": "moment"' || true)

python3 - "$bytes" "$rss_templates" "$rss_moments" "$templates" "$moments" <<'PY'
import json, sys
bytes_, rss_t, rss_m, templates, moments = (int(x) for x in sys.argv[1:6])
res = json.load(open("/tmp/debrief-moments.json"))["results"]
med = {}
for x in res:
    c = x["command"]
    key = "templates" if "--templates" in c else "moments" if "--moments" in c else "rg"
    med[key] = x["median"]
mib = bytes_ / 2**20
g = med["rg"]
print("| logs | command | median | vs `rg -c .` | peak RSS |")
print("|---|---|---|---|---|")
print(f"| {mib:.0f} MiB, 4 files | `debrief timeline --templates` | {med['templates']*1000:.0f} ms | {med['templates']/g:.2f}× | {rss_t/1024:.1f} MB |")
print(f"| {mib:.0f} MiB, 4 files | `debrief timeline --moments` | {med['moments']*1000:.0f} ms | {med['moments']/g:.2f}× | {rss_m/1024:.1f} MB |")
print(f"| {mib:.0f} MiB, 4 files | `rg -c .` | {g*1000:.0f} ms | 1.00× | |")
print(f"\ntemplates: {templates}; moments: {moments}; runs: {len(res[0]['times'])} each (targets: at most 4× rg, RSS at most 200 MB)")
PY
