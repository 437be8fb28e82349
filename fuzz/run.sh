#!/usr/bin/env bash
# Runs every fuzz target for a while, on a copy of the checked-in corpus (which stays as it
# is). A crash leaves its input in fuzz/artifacts/<target>/ and fails the run.
#
#   bash fuzz/run.sh [seconds per target]      (default 20; CI runs it with the default)
#
# cargo-fuzz drives libFuzzer with flags of the nightly compiler; RUSTC_BOOTSTRAP=1 lets the
# one stable toolchain here accept them. No sanitizer: the library has no `unsafe` of its own,
# and a panic or an abort is what the targets look for.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-20}"
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O --sanitizer none
failed=0
for target in $(cargo fuzz list); do
  work=$(mktemp -d)
  if cargo fuzz run -O --sanitizer none "$target" "$work" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=65536 -print_final_stats=0 >"$work.log" 2>&1; then
    echo "fuzz $target: $(grep -Eo 'Done [0-9]+ runs' "$work.log" | tail -1) in ${seconds} s, no crash"
  else
    failed=1
    echo "fuzz $target: FAILED"
    tail -40 "$work.log"
  fi
  rm -rf "$work" "$work.log"
done
exit "$failed"
