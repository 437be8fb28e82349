#!/usr/bin/env bash
# The remote meeting of docs/serve.md, as written: Debian's nginx in front of `debrief serve`,
# terminating TLS with a certificate made here and signing people in with auth_basic. The nginx
# block after `<!-- ci: remote-meeting -->` is used verbatim but for its ports and file paths.
# Two rounds: --public-url with a port (nginx on a free port) and without one (nginx on 443).
# Checks, through the proxy with curl: the sign-in, the join link, a name from the sign-in
# that a forged header cannot change, a write with the page's Origin, the change in
# incident.toml, and the event stream passing an event on while it stays open.
# Needs nginx, openssl, curl, jq and python3, and root for port 443; .ci/run installs them. A
# missing tool is an error, not a skip.
#
#   bash tests/remote-meeting/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/target/remote-meeting

missing=()
for tool in nginx openssl curl jq python3; do
  command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "remote-meeting: ${missing[*]} not installed; .ci/run shows how CI installs them" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "remote-meeting: the round without a port listens on 443, which needs root" >&2
  exit 1
fi
export PATH=$PATH:/usr/sbin
source "$here/../support/nginx.sh"

cargo build -q --manifest-path "$root/Cargo.toml"
bin=$root/target/debug/debrief
rm -rf "$work"
mkdir -p "$work"
chmod 755 "$work"

block=$(awk -v tag="<!-- ci: remote-meeting -->" '
  seen && /^```/ { if (inside) exit; inside = 1; next }
  inside { print }
  $0 == tag { seen = 1 }' "$root/docs/serve.md")
[ -n "$block" ] || { echo "docs/serve.md has no \`<!-- ci: remote-meeting -->\` block" >&2; exit 1; }
echo "== the nginx block of docs/serve.md, verbatim:"
printf '%s\n' "$block" | sed 's/^/   /'

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=meet.example.com \
  -addext subjectAltName=DNS:meet.example.com \
  -keyout "$work/meet.key" -out "$work/meet.crt" 2>/dev/null
printf 'dana:%s\n' "$(openssl passwd -apr1 dana-pass)" > "$work/htpasswd"
chmod 644 "$work/htpasswd"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
KEY=remote-facilitator-key-01
CODE=remote-join-code-0001
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

round() {
  local name=$1 public_port=$2
  local dir=$work/$name
  mkdir -p "$dir"
  cp -r "$root/sample-incident" "$dir/incident"
  local debrief_port; debrief_port=$(free_port)
  local public=https://meet.example.com
  [ "$public_port" = 443 ] || public=$public:$public_port
  echo "== round $name: --public-url $public, nginx on $public_port, debrief on $debrief_port"

  # The block as written, with this round's ports and files.
  printf '%s\n' "$block" | sed \
    -e "s/listen 8443 ssl;/listen 127.0.0.1:$public_port ssl;/" \
    -e "s#127.0.0.1:4000#127.0.0.1:$debrief_port#" \
    -e "s#/etc/ssl/debrief/meet.crt#$work/meet.crt#" \
    -e "s#/etc/ssl/debrief/meet.key#$work/meet.key#" \
    -e "s#/etc/nginx/debrief.htpasswd#$work/htpasswd#" > "$dir/server.conf"

  "$bin" serve "$dir/incident" --port "$debrief_port" --public-url "$public" \
    --trust-user-header X-Forwarded-User --trusted-proxy 127.0.0.1 \
    --facilitator-key "$KEY" --join-code "$CODE" --debounce 50 > "$dir/serve.out" 2> "$dir/serve.err" &
  pids+=($!)
  nginx_start "$dir" "$dir/server.conf"
  pids+=("$nginx_pid")
  for _ in $(seq 100); do
    grep -q "Participants join at" "$dir/serve.out" 2>/dev/null \
      && curl -s -o /dev/null --resolve "meet.example.com:$public_port:127.0.0.1" --cacert "$work/meet.crt" "$public/" && break
    sleep 0.1
  done
  grep -qF "Participants join at:            $public/join/$CODE" "$dir/serve.out" \
    || fail "$name: the join link is not $public/join/$CODE: $(cat "$dir/serve.out")"

  c() { curl -sS --resolve "meet.example.com:$public_port:127.0.0.1" --cacert "$work/meet.crt" "$@"; }
  status() { c -o /dev/null -w '%{http_code}' "$@"; }

  [ "$(status "$public/join/$CODE")" = 401 ] || fail "$name: the join page answered without the sign-in"
  [ "$(status -u dana:dana-pass "$public/join/$CODE")" = 200 ] || fail "$name: the join page through the proxy is not 200"
  # A forged header from the browser is replaced by the proxy's.
  local who; who=$(c -u dana:dana-pass -H 'X-Forwarded-User: root' "$public/api/sign-in" | jq -r .name)
  [ "$who" = dana ] || fail "$name: the sign-in names '$who', not dana"
  local joined
  joined=$(c -u dana:dana-pass -H 'X-Forwarded-User: root' -c "$dir/participant.jar" \
    -H "Origin: $public" -H 'Content-Type: application/json' \
    -d "{\"code\":\"$CODE\",\"name\":\"Mallory\",\"anonymous\":false}" "$public/api/join")
  [ "$(jq -r .name <<<"$joined")" = dana ] && [ "$(jq -r .verified <<<"$joined")" = true ] \
    || fail "$name: joining through the proxy answered $joined"

  # The facilitator's screen through the proxy: the key becomes a cookie.
  [ "$(status -u dana:dana-pass -c "$dir/facilitator.jar" "$public/?key=$KEY" -L)" = 200 ] \
    || fail "$name: the facilitator screen through the proxy is not 200"
  c -N -u dana:dana-pass -b "$dir/facilitator.jar" "$public/api/events" > "$dir/events.txt" 2>"$dir/events.err" &
  local events=$!
  pids+=($events)
  for _ in $(seq 100); do grep -q '^event: state' "$dir/events.txt" && break; sleep 0.1; done
  grep -q '^event: state' "$dir/events.txt" || fail "$name: the event stream sent no state through the proxy"

  local text="Seen through the proxy in round $name"
  local code
  code=$(status -u dana:dana-pass -b "$dir/participant.jar" -H "Origin: $public" \
    -H 'Content-Type: application/json' \
    -d "{\"at\":\"2026-11-03T14:40:00Z\",\"text\":\"$text\",\"kind\":\"observation\"}" "$public/api/timeline")
  [ "$code" = 201 ] || fail "$name: adding an entry through the proxy answered $code"
  for _ in $(seq 200); do grep -qF "$text" "$dir/events.txt" && break; sleep 0.1; done
  grep -qF "$text" "$dir/events.txt" || fail "$name: the new entry did not reach the open event stream through the proxy"
  kill -0 "$events" 2>/dev/null || fail "$name: the proxy closed the event stream"
  grep -qF "text = \"$text\"" "$dir/incident/incident.toml" || fail "$name: the entry is not in incident.toml"
  grep -A4 -F "text = \"$text\"" "$dir/incident/incident.toml" | grep -Eq '^by *= "dana"' \
    || fail "$name: the entry in incident.toml is not by dana: $(grep -A4 -F "$text" "$dir/incident/incident.toml")"
  # A page of another site cannot write through the proxy.
  code=$(status -u dana:dana-pass -b "$dir/participant.jar" -H 'Origin: https://evil.example' \
    -H 'Content-Type: application/json' \
    -d '{"at":"2026-11-03T14:41:00Z","text":"forged","kind":"observation"}' "$public/api/timeline")
  [ "$code" = 403 ] || fail "$name: a write from another origin answered $code"

  cleanup
  pids=()
}

round with-port "$(free_port)"
round without-port 443
[ "$failed" = 0 ] && echo "remote meeting: both rounds passed"
exit "$failed"
