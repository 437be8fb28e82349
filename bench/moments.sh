#!/usr/bin/env bash
# Benchmark: `debrief timeline --templates` and `--moments`, which read every entry of every
# source, against `rg -c .`, which reads every line, on the same 1 GiB of generated logs, side by
# side: interleaved rounds, each command once per round (bench/interleave.py), so a machine
# whose speed drifts slows all three alike. Reports medians, ratios and peak RSS.
#
# Then each format family on its own (JSON lines, logfmt, access log, syslog, log4j-style, klog):
# a log of the same size in that one format (the bench_logs example's `family` mode), the same
# three commands, one table row per family.
#
#   bash bench/moments.sh [size-in-MiB]      (default 1024)
# RUNS (default 5) sets the rounds; MIXED=0 skips the four files together; FAMILIES (default all six; "" for none) picks the families.
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
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
if [ "${MIXED:-1}" != 0 ]; then
cd "$all"
cat logs/* > /dev/null   # warm the page cache for every tool
python3 "$root/bench/interleave.py" --runs "$runs" --warmup 1 --json /tmp/debrief-moments.json \
  rg "rg -c . logs/" \
  templates "$bin timeline . --templates --format json" \
  moments "$bin timeline . --moments --format json" >/dev/null
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
fi

families=${FAMILIES-json logfmt access syslog log4j klog}
[ -n "$families" ] || exit 0
echo
echo "| family ($size MiB) | lines | \`rg -c .\` | \`--templates\` | vs rg | \`--moments\` | vs rg | peak RSS | templates |"
echo "|---|---|---|---|---|---|---|---|---|"
for family in $families; do
  dir=$root/${BENCH_DIR:-target/bench}/family-$family-$size
  [ -f "$dir/incident.toml" ] || (cd "$root" && cargo run --release -q --example bench_logs -- "$dir" "$size" family "$family")
  cd "$dir"
  cat logs/* > /dev/null
  python3 "$root/bench/interleave.py" --runs "$runs" --warmup 1 --json "/tmp/debrief-family.json" \
    rg "rg -c . logs/" \
    templates "$bin timeline . --templates --format json" \
    moments "$bin timeline . --moments --format json" >/dev/null
  rss_f=$(rss "$bin" timeline . --moments --format json)
  count=$("$bin" timeline . --templates --format json | grep -c '"lane"' || true)
  python3 - "$family" "$(cat logs/* | wc -l)" "$rss_f" "$count" <<'PY'
import json, statistics, sys
family, lines, rss, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
wall = {name: t["wall"] for name, t in json.load(open("/tmp/debrief-family.json")).items()}
med = {name: statistics.median(w) for name, w in wall.items()}
ratio = {name: statistics.median(x / g for x, g in zip(w, wall["rg"])) for name, w in wall.items()}
print(f"| {family} | {lines / 1e6:.1f} M | {med['rg'] * 1000:.0f} ms | {med['templates'] * 1000:.0f} ms | "
      f"**{ratio['templates']:.2f}×** | {med['moments'] * 1000:.0f} ms | **{ratio['moments']:.2f}×** | {rss / 1024:.1f} MB | {count} |")
PY
done
echo
echo "(per family: $runs interleaved rounds each; target: at most 3× rg for every family)"
