#!/usr/bin/env bash
# Benchmark: reading `[[metrics]]` files, a Prometheus query_range response (12 series, one
# line, as curl writes it) and a CSV of `time,series,value` rows (300 series), at 1, 10 and
# 100 MB each. `debrief check` reads every metric whole; the time per MB must stay flat as the
# file grows (linear time), and peak RSS is reported beside it.
#
#   bash bench/metrics.sh [sizes in MB, default "1 10 100"]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-1 10 100}
runs=${RUNS:-5}
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release -q
bin=$PWD/target/release/debrief
base=${BENCH_DIR:-target/bench}/metrics
mkdir -p "$base"

for mb in $sizes; do
  for kind in json csv; do
    dir=$base/$kind-$mb
    [ -f "$dir/incident.toml" ] && continue
    mkdir -p "$dir/metrics"
    python3 - "$dir" "$kind" "$mb" <<'PY'
import sys, random
d, kind, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = mb * 1_000_000
start = 1_793_710_800  # 2026-11-03T13:00:00Z
rnd = random.Random(7)
if kind == "json":
    series = 12
    per_point = len('[1793710800,"1234.567"],')
    points = max(1, target // (series * per_point))
    parts = []
    for s in range(series):
        vals = ",".join(f'[{start + i},"{rnd.uniform(0, 2000):.3f}"]' for i in range(points))
        parts.append('{"metric":{"__name__":"http_requests","pod":"checkout-%d"},"values":[%s]}' % (s, vals))
    text = '{"status":"success","data":{"resultType":"matrix","result":[' + ",".join(parts) + "]}}"
    name = "metrics/rate.json"
else:
    series = 300
    per_row = len("1793710800,pod-123,1234.567\n")
    rows = max(1, target // per_row)
    lines = ["time,series,value"]
    for r in range(rows):
        t, s = divmod(r, series)
        ts = start + t
        lines.append(f"{ts},pod-{s},{rnd.uniform(0, 2000):.3f}")
    text = "\n".join(lines) + "\n"
    name = "metrics/rate.csv"
open(f"{d}/{name}", "w").write(text)
open(f"{d}/incident.toml", "w").write(
    'title = "Metrics benchmark"\ntimezone = "UTC"\n[times]\nstarted = 2026-11-03T13:00:00Z\n'
    f'[[metrics]]\nname = "rate"\npath = "{name}"\n')
PY
  done
done

printf '| file | size | median | per MB | peak RSS |\n|---|---|---|---|---|\n'
for kind in json csv; do
  for mb in $sizes; do
    dir=$base/$kind-$mb
    bytes=$(wc -c < "$dir"/metrics/rate.*)
    hyperfine -N -i -w 1 -r "$runs" --export-json /tmp/debrief-metrics.json "$bin check $dir" >/dev/null
    rss=$(/usr/bin/time -f %M "$bin" check "$dir" 2>&1 >/dev/null | tail -1)
    python3 - "$kind" "$bytes" "$rss" <<'PY'
import json, sys
kind, bytes_, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
m = json.load(open("/tmp/debrief-metrics.json"))["results"][0]["median"]
mb = bytes_ / 1e6
label = "Prometheus JSON, 12 series" if kind == "json" else "CSV, 300 series"
print(f"| {label} | {mb:.0f} MB | {m*1000:.0f} ms | {m*1000/mb:.1f} ms | {rss/1024:.0f} MB |")
PY
  done
done
