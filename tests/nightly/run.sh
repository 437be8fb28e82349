#!/usr/bin/env bash
# Runs the nightly-reminder recipe of docs/actions.md verbatim (the YAML after
# `<!-- ci: nightly -->`) against a local webhook, on three checkouts: one with overdue actions
# (the message names them and why the job failed), one with a broken incident file (the
# message is the error), and one with nothing overdue (no message). Needs bash, curl, jq and
# python3 with PyYAML; .ci/run installs them. A missing tool is an error, not a skip.
#
#   bash tests/nightly/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$root/target/nightly

missing=()
for tool in curl jq python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
python3 -c 'import yaml' 2>/dev/null || missing+=("PyYAML (python3 -m pip install pyyaml)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "nightly: ${missing[*]} not installed; .ci/run shows how CI installs them" >&2
  exit 1
fi

cargo build -q --manifest-path "$root/Cargo.toml"
rm -rf "$work"
mkdir -p "$work"
awk -v tag="<!-- ci: nightly -->" '
  seen && /^```/ { if (inside) exit; inside = 1; next }
  inside { print }
  $0 == tag { seen = 1 }' "$root/docs/actions.md" > "$work/nightly.yml"
[ -s "$work/nightly.yml" ] || { echo "docs/actions.md has no \`<!-- ci: nightly -->\` workflow" >&2; exit 1; }
echo "== the nightly workflow of docs/actions.md, verbatim:"
sed 's/^/   /' "$work/nightly.yml"

# A checkout: the quarter's archive as incidents/, with debrief.toml beside it.
checkout() {
  mkdir -p "$work/$1"
  cp -r "$root/tests/fixtures/quarter/incidents" "$root/tests/fixtures/quarter/debrief.toml" "$work/$1/"
}
failed=0
nightly() { PATH="$root/target/debug:$PATH" python3 "$here/workflow.py" "$work/nightly.yml" "$@" || failed=1; }

echo "== overdue actions: the job fails and posts the summary"
checkout overdue
nightly "$work/overdue" post "Overdue (" "actions in 14 incidents" "failed (--fail-on overdue)"

echo "== a broken incident file: the job fails and posts the error"
checkout broken
printf 'title = "Half a file\n' > "$work/broken/incidents/2026-10-08-edge-tls-expiry/incident.toml"
nightly "$work/broken" post "2026-10-08-edge-tls-expiry/incident.toml" "error"

echo "== nothing overdue: the job passes and stays quiet"
mkdir -p "$work/quiet/incidents/2026-11-03-done"
printf 'title = "Done"\n[times]\nstarted = 2026-11-03T10:00:00Z\n[[actions]]\nid = "a-1"\ntext = "Alert on queue depth"\nowner = "sam"\nstatus = "done"\n' \
  > "$work/quiet/incidents/2026-11-03-done/incident.toml"
nightly "$work/quiet" quiet

if [ "$failed" -ne 0 ]; then
  echo "nightly: FAILED" >&2
  exit 1
fi
echo "nightly: the recipe of docs/actions.md ran verbatim three times; overdue and broken posted, a healthy archive stayed quiet"
