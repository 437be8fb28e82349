#!/usr/bin/env python3
"""Times commands side by side, interleaved: round after round, each command runs once.

hyperfine runs all of one command's runs, then all of the next's; on a shared machine whose
speed drifts over a minute, that drift lands on one command more than the other. Here every
round runs each command once, right after the other, so both see the same machine. Reported:
the median wall time and CPU time (user + system) of each, and the ratio of the first
command to each other, as the median of the per-round ratios and as the ratio of medians.

    interleave.py [--runs N] [--warmup N] [--prepare CMD] [--before NAME CMD ...] NAME CMD [NAME CMD ...]

`--prepare` runs (untimed) before every timed command, to empty output folders; `--before
NAME CMD` runs CMD (untimed) right before each run of NAME only, to edit what it reads.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def timed(command):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, shell=True, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--prepare", default="true")
    parser.add_argument("--before", nargs=2, action="append", default=[],
                        metavar=("NAME", "CMD"), help="run CMD, untimed, before each run of NAME")
    parser.add_argument("--json", help="write the raw times here")
    parser.add_argument("pairs", nargs="+", help="NAME CMD NAME CMD ...")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        sys.exit("give a NAME and a CMD for each command")
    commands = list(zip(args.pairs[::2], args.pairs[1::2]))
    before = dict(args.before)
    unknown = set(before) - {name for name, _ in commands}
    if unknown:
        sys.exit(f"--before names no command: {', '.join(sorted(unknown))}")
    times = {name: {"wall": [], "cpu": []} for name, _ in commands}
    for round_ in range(args.warmup + args.runs):
        for name, command in commands:
            subprocess.run(args.prepare, shell=True, check=True)
            if name in before:
                subprocess.run(before[name], shell=True, check=True)
            wall, cpu = timed(command)
            if round_ >= args.warmup:
                times[name]["wall"].append(wall)
                times[name]["cpu"].append(cpu)

    first = commands[0][0]
    print(f"{args.runs} interleaved rounds after {args.warmup} warm-up\n")
    print("| command | median wall | min – max | median CPU |")
    print("|---|---|---|---|")
    for name, _ in commands:
        w, c = times[name]["wall"], times[name]["cpu"]
        print(f"| {name} | {statistics.median(w):.3f} s | {min(w):.3f} – {max(w):.3f} s "
              f"| {statistics.median(c):.3f} s |")
    for name, _ in commands[1:]:
        a, b = times[first]["wall"], times[name]["wall"]
        paired = statistics.median(x / y for x, y in zip(a, b))
        print(f"\n{first}/{name}: {paired:.2f} (median of per-round ratios), "
              f"{statistics.median(a) / statistics.median(b):.2f} (ratio of medians)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(times, f, indent=1)


if __name__ == "__main__":
    main()
