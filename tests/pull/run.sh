#!/usr/bin/env bash
# `debrief pull` against the real servers of docs/pull.md: Debian's Prometheus (scraping
# itself every second, with an alert rule that fires) and Alertmanager (receiving that alert),
# on loopback ports. Waits until both hold data, then pulls a query and the alerts into a fresh
# incident and checks the files, the entries in incident.toml (its comments kept), `check` and
# the timeline; then the errors: a PromQL error quoted, a query without data, a server that is
# not there, one that never answers, an incident without times.started, a file that exists.
# Each error must leave incident.toml and the folder as they were.
# Last, Prometheus behind nginx with TLS (a certificate made here, trusted the way the system's
# roots are, through SSL_CERT_FILE) and basic auth: --header carries the credentials.
# Needs prometheus, prometheus-alertmanager, nginx, openssl, curl, jq and python3, and root
# (nginx); .ci/run installs them. A missing tool is an error, not a skip.
#
#   bash tests/pull/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/target/pull-test

missing=()
export PATH=$PATH:/usr/sbin
for tool in prometheus prometheus-alertmanager nginx openssl curl jq python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "pull: ${missing[*]} not installed; .ci/run shows how CI installs them" >&2
  exit 1
fi

source "$here/../support/nginx.sh"

cargo build -q --manifest-path "$root/Cargo.toml"
bin=$root/target/debug/debrief
rm -rf "$work"
mkdir -p "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
prom_port=$(free_port)
am_port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

cat > "$work/alertmanager.yml" <<YML
route:
  receiver: nobody
  group_wait: 1s
receivers:
  - name: nobody
YML
cat > "$work/rules.yml" <<YML
groups:
  - name: debrief-pull-test
    rules:
      - alert: SelfScrapeUp
        expr: up{job="prometheus"} == 1
        labels: { severity: critical }
        annotations: { summary: "Prometheus scrapes itself" }
YML
cat > "$work/prometheus.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$work/rules.yml" ]
alerting:
  alertmanagers: [ { static_configs: [ { targets: [ "127.0.0.1:$am_port" ] } ] } ]
scrape_configs:
  - job_name: prometheus
    static_configs: [ { targets: [ "127.0.0.1:$prom_port" ] } ]
YML
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am-data" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= > "$work/alertmanager.log" 2>&1 &
pids+=($!)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus.log" 2>&1 &
pids+=($!)
prom=http://127.0.0.1:$prom_port
am=http://127.0.0.1:$am_port

# An incident that started two minutes ago and is still running.
started=$(date -u -d '-2 min' +%Y-%m-%dT%H:%M:%SZ)
inc=$work/incident
mkdir -p "$inc"
cat > "$inc/incident.toml" <<TOML
# The review of a test outage. This comment must survive every pull.
title = "Self-scrape test outage"
severity = "SEV2"
status = "draft"
timezone = "UTC"

[times]
started = $started  # when the first error was seen
TOML

echo "== waiting for Prometheus ($prom) and Alertmanager ($am) to hold data"
ready=0
for _ in $(seq 120); do
  series=$(curl -s "$prom/api/v1/query?query=up" | jq '.data.result | length' 2>/dev/null || echo 0)
  alerts=$(curl -s "$am/api/v2/alerts" | jq 'length' 2>/dev/null || echo 0)
  if [ "${series:-0}" -gt 0 ] && [ "${alerts:-0}" -gt 0 ]; then ready=1; break; fi
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  tail -20 "$work/prometheus.log" "$work/alertmanager.log" >&2
  echo "the servers did not hold data within a minute" >&2
  exit 1
fi
sleep 3  # a few more scrapes, so a range query has several points

snapshot() { (cd "$inc" && find . -type f | sort | xargs sha256sum); }
# An error: exit 1, the message on stderr contains $2, nothing in the folder changed.
refused() {
  local what=$1 expect=$2; shift 2
  local before; before=$(snapshot)
  if "$bin" pull "$inc" "$@" > "$work/out.txt" 2> "$work/err.txt"; then
    fail "$what: pull succeeded: $(cat "$work/out.txt")"
  elif ! grep -qF -- "$expect" "$work/err.txt"; then
    fail "$what: the error does not say \`$expect\`: $(cat "$work/err.txt")"
  fi
  [ "$(snapshot)" = "$before" ] || fail "$what: the folder changed"
  echo "   $what: $(head -1 "$work/err.txt")"
}

echo "== pull --prometheus"
"$bin" pull "$inc" --prometheus "$prom" --query 'prometheus_tsdb_head_series' \
  --name "Head series" --step 1s --margin 5m > "$work/out.txt" 2> "$work/err.txt" \
  || fail "pull --prometheus: $(cat "$work/err.txt")"
cat "$work/out.txt"
grep -q 'Saved metrics/head-series.json: 1 series' "$work/out.txt" || fail "pull --prometheus said: $(cat "$work/out.txt")"
jq -e '.status == "success" and .data.resultType == "matrix" and (.data.result[0].values | length) > 2' \
  "$inc/metrics/head-series.json" >/dev/null || fail "metrics/head-series.json is not Prometheus' answer with points"
grep -q '^# The review of a test outage. This comment must survive every pull.' "$inc/incident.toml" || fail "the file's comment is gone"
grep -q 'when the first error was seen' "$inc/incident.toml" || fail "the inline comment is gone"
grep -q '^\[\[metrics\]\]' "$inc/incident.toml" && grep -q 'path = "metrics/head-series.json"' "$inc/incident.toml" \
  || fail "incident.toml has no [[metrics]] entry: $(cat "$inc/incident.toml")"
"$bin" check "$inc" > "$work/check.txt" 2>&1 || fail "check after the pull: $(cat "$work/check.txt")"
"$bin" build "$inc" --out "$work/site" > "$work/build.txt" 2>&1 || fail "build after the pull: $(cat "$work/build.txt")"
grep -q "Head series" "$work/site/incidents/incident/timeline.svg" || fail "the report's timeline has no Head series lane"

echo "== pull --alertmanager"
"$bin" pull "$inc" --alertmanager "$am" > "$work/out.txt" 2> "$work/err.txt" \
  || fail "pull --alertmanager: $(cat "$work/err.txt")"
cat "$work/out.txt"
jq -e '.alerts | map(select(.labels.alertname == "SelfScrapeUp" and .status == "firing")) | length == 1' \
  "$inc/alerts/alertmanager.json" >/dev/null || fail "alerts/alertmanager.json lacks the firing SelfScrapeUp alert"
grep -q 'format = "alertmanager"' "$inc/incident.toml" || fail "incident.toml has no [[sources]] entry for the alerts"
"$bin" timeline "$inc" --sources --format json > "$work/timeline.json" 2> "$work/err.txt" \
  || fail "timeline: $(cat "$work/err.txt")"
jq -e 'map(select(.text | startswith("SelfScrapeUp firing: Prometheus scrapes itself"))) | length >= 1' \
  "$work/timeline.json" >/dev/null || fail "the timeline does not show the alert"
"$bin" check "$inc" > "$work/check.txt" 2>&1 || fail "check after both pulls: $(cat "$work/check.txt")"
cp "$inc/incident.toml" "$work/after-pulls.toml"

echo "== errors leave everything as it was"
refused "a PromQL error" "Prometheus at $prom refused the query (bad_data)" --prometheus "$prom" --query 'rate(up[1m]' --name broken
refused "a query without data" "has no data" --prometheus "$prom" --query 'no_such_metric_debrief' --name nothing
refused "a server that is not there" "connection was refused" --prometheus "http://127.0.0.1:$(free_port)" --query up --name gone
refused "a file that exists" "exists; pass --force" --prometheus "$prom" --query 'prometheus_tsdb_head_series' --name "Head series"
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(8); print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)   # accepted, never answered
' > "$work/silent.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/silent.port" ] && break; sleep 0.1; done
refused "a server that never answers" "did not answer in time" --prometheus "http://127.0.0.1:$(cat "$work/silent.port")" --query up --name slow --timeout 2
refused "an Alertmanager that is Prometheus" "answered HTTP 404 (is this the Alertmanager's address?" --alertmanager "$prom" --force
cmp -s "$inc/incident.toml" "$work/after-pulls.toml" || fail "incident.toml changed during the errors"

# --force replaces the file, and the entry is not added twice.
"$bin" pull "$inc" --prometheus "$prom" --query 'prometheus_tsdb_head_series' --name "Head series" --force \
  --step 1s --margin 5m \
  > "$work/out.txt" 2>&1 || fail "pull --force: $(cat "$work/out.txt")"
grep -q "its \[\[metrics\]\] entry is unchanged" "$work/out.txt" || fail "pull --force said: $(cat "$work/out.txt")"
[ "$(grep -c '^\[\[metrics\]\]' "$inc/incident.toml")" = 1 ] || fail "the [[metrics]] entry was added twice"

# An incident without times.started has no window.
nostart=$work/no-start
mkdir -p "$nostart"
printf 'title = "No start yet"\n' > "$nostart/incident.toml"
before=$(sha256sum "$nostart/incident.toml")
if "$bin" pull "$nostart" --prometheus "$prom" --query up > /dev/null 2> "$work/err.txt"; then
  fail "a pull without times.started succeeded"
fi
grep -q "times.started" "$work/err.txt" || fail "the error does not name times.started: $(cat "$work/err.txt")"
[ "$(sha256sum "$nostart/incident.toml")" = "$before" ] && [ ! -e "$nostart/metrics" ] || fail "the incident without a start changed"

echo "== Prometheus behind nginx with TLS and basic auth"
tls_port=$(free_port)
# A certificate authority of this test, and the server's certificate signed by it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=debrief test CA" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$work/tls.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/tls.ext" -out "$work/tls.crt" 2>/dev/null
printf 'ops:%s\n' "$(openssl passwd -apr1 ops-pass)" > "$work/htpasswd"
chmod 755 "$work"; chmod 644 "$work/htpasswd"; mkdir -p "$work/nginx"
cat > "$work/prometheus-tls.conf" <<CONF
server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $work/tls.crt;
    ssl_certificate_key $work/tls.key;
    location /prometheus/ {
        auth_basic "metrics";
        auth_basic_user_file $work/htpasswd;
        proxy_pass http://127.0.0.1:$prom_port/;
    }
}
CONF
nginx_start "$work/nginx" "$work/prometheus-tls.conf"
pids+=("$nginx_pid")
for _ in $(seq 50); do curl -s -o /dev/null --cacert "$work/ca.crt" "https://localhost:$tls_port/" && break; sleep 0.1; done
behind=https://localhost:$tls_port/prometheus
basic="Authorization: Basic $(printf ops:ops-pass | base64)"
SSL_CERT_FILE=$work/ca.crt "$bin" pull "$inc" --prometheus "$behind" --header "$basic" \
  --query 'prometheus_tsdb_head_series' --name "Behind the proxy" --step 1s --margin 5m \
  > "$work/out.txt" 2> "$work/err.txt" || fail "pull through nginx with TLS and --header: $(cat "$work/err.txt")"
[ -s "$inc/metrics/behind-the-proxy.json" ] || fail "nothing was saved from behind the proxy"
export SSL_CERT_FILE=$work/ca.crt
refused "no credentials" "answered HTTP 401: it wants credentials; pass them with --header" \
  --prometheus "$behind" --query up --name unauthorised
refused "wrong credentials" "wants credentials other than those sent" \
  --prometheus "$behind" --query up --name wrong --header "Authorization: Basic $(printf ops:nope | base64)"
unset SSL_CERT_FILE
refused "a certificate nobody vouches for" "its TLS certificate is not one this system trusts" \
  --prometheus "$behind" --header "$basic" --query up --name untrusted

[ "$failed" = 0 ] && echo "pull: every check passed against Prometheus $(prometheus --version 2>&1 | head -1 | awk '{print $3}') and Alertmanager $(prometheus-alertmanager --version 2>&1 | head -1 | awk '{print $3}')"
exit "$failed"
