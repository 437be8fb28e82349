# Sourced by the log benchmarks (evidence.sh, moments.sh): installs ripgrep, hyperfine and GNU
# time when missing, builds debrief in release mode, and generates `size` MiB of logs with the
# bench_logs example (once; kept in target/bench). Sets `bin` and `data`.
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need rg ripgrep
need hyperfine hyperfine
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }

cargo build --release -q
bin=$PWD/target/release/debrief
data=${BENCH_DIR:-target/bench}/logs-$size
[ -f "$data/incident.toml" ] || cargo run --release -q --example bench_logs -- "$data" "$size"
data=$(cd "$data" && pwd)
