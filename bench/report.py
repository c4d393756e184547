#!/usr/bin/env python3
"""Formats bench/out (written by bench/run) as the markdown of bench/results.md."""
import datetime
import json
import statistics
import sys

out, mode, runs, warmup, leaks, procs, machine, versions = sys.argv[1:9]

lat = json.load(open(f"{out}/latency.json"))["results"]
base = next(r["mean"] for r in lat if r["command"] == "sct")
print(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
      f"`bench/run{' --quick' if mode == 'quick' else ''}`, on {machine}.")
print(f"Versions: {versions}. The machine may be shared with other builds and tests:")
print("absolute times are noisy, only the ratios (same run) are meaningful.\n")

print(f"Start and finish one container running busybox `/bin/true` "
      f"(hyperfine, {warmup} warm-up runs, {runs} runs each, all in one run):\n")
def table(results):
    base = next(r["mean"] for r in results if r["command"] == "sct")
    print("| command | mean | σ | ratio to sct |")
    print("|---|---:|---:|---:|")
    for r in results:
        print(f"| `{r['command']}` | {r['mean'] * 1e3:.2f} ms | {r['stddev'] * 1e3:.2f} ms "
              f"| {r['mean'] / base:.2f} |")

table(lat)
import os
def alternated(path):
    """Per command, its runs' times (us) from bench/alternate's table."""
    lines = [l.rstrip("\n").split("\t") for l in open(path)]
    names, rows = lines[0], [list(map(float, l)) for l in lines[1:]]
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}

def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]

def paired(runs, a, b):
    """The median of a/b over the rounds (each a next to its b), and the
    ratio of the two medians."""
    return median([x / y for x, y in zip(runs[a], runs[b])]), median(runs[a]) / median(runs[b])

if os.path.exists(f"{out}/oci.tsv"):
    oci = alternated(f"{out}/oci.tsv")
    print(f"\nOCI mode: create, start, wait and delete of `/bin/true`, each runtime by its own "
          "command line, in a PID namespace whose first process stands in for containerd's shim; "
          f"{len(oci['crun'])} rounds that each run one cycle of every runtime, in turn "
          "(goal: sct ≤ 0.5× crun):\n")
    print("| runtime | median | ratio to crun: median of the per-round ratios | ratio of the medians |")
    print("|---|---:|---:|---:|")
    for name, times in oci.items():
        r, m = paired(oci, name, "crun")
        print(f"| {name} | {median(times) / 1e3:.2f} ms | {r:.2f} | {m:.2f} |")
    if "sct, host's cgroups" in oci:
        print("\nThe first sct row ran beside crun and runc with the unified hierarchy unmounted, "
              "so its device rule took v1's devices controller (the init moves itself in, writing 0 to "
              "`tasks`: a move by another process waits for an RCU grace period); the second ran "
              "where sct runs on this host (its own mount "
              "namespace, entered with one more exec, nsenter): a BPF program on a v2 directory "
              "the init starts in.")

cost = alternated(f"{out}/cost.tsv")
nrounds = len(cost["sct"])
print(f"\nThe goals' ratios, from {nrounds} rounds that each run sct, `sct --no-cgroup`, bwrap "
      "and the floor once, in turn (bench/alternate.c: a busy spell of the machine lands on all "
      "four alike, where hyperfine's block of runs per command lets it land on one). Medians: "
      + ", ".join(f"{n} {median(t) / 1e3:.2f} ms" for n, t in cost.items()) + ".\n")
print("| ratio | median of the per-round ratios | ratio of the medians | goal |")
print("|---|---:|---:|---:|")
for a, b, goal in (("sct", "sct --no-cgroup", "≤ 1.10"), ("sct", "bwrap --unshare-all", "≤ 0.50"),
                   ("sct", "floor", "≤ 1.20")):
    r, m = paired(cost, a, b)
    print(f"| {a} / `{b}` | {r:.3f} | {m:.3f} | {goal} |")
print("\n`floor` is bench/floor.c: sct's default namespaces, bind, pivot_root, /proc and exec "
      "in C, nothing else.\n")
import os
for kind in ("ranges", "single"):
    path = f"{out}/rootless/{kind}.tsv"
    if not os.path.exists(path):
        continue
    runs = alternated(path)
    name = next(c for c in runs if c.startswith("sct"))
    r, m = paired(runs, name, "bwrap --unshare-all")
    print(f"Rootless, run by the ordinary user `sct-test`, {len(runs[name])} alternating rounds: "
          f"`{name}` {median(runs[name]) / 1e3:.2f} ms, `bwrap --unshare-all` by the same user "
          f"{median(runs['bwrap --unshare-all']) / 1e3:.2f} ms: {r:.3f} (median of the per-round "
          f"ratios; ratio of the medians {m:.3f}; goal ≤ 0.50).\n")
print("`chroot` and `exec` run without namespaces; `floor` is the kernel's own work for sct's default ones. crun needs "
      "`/sys/fs/cgroup/unified` out of the way on this hybrid-cgroup host, so crun "
      "and runc ran in a second hyperfine run, in a private mount namespace "
      "(`unshare -m`) where it is unmounted (the host keeps it), with sct beside "
      "them; there sct's device rule takes v1's devices controller:\n")
table(json.load(open(f"{out}/latency-peers.json"))["results"])
print()

print("Throughput: `sct ROOTFS /bin/true`, N containers through `xargs -P`:\n")
print("| command | at once | containers | seconds | containers/s |")
print("|---|---:|---:|---:|---:|")
rate = {}
for line in open(f"{out}/throughput"):
    p, n, t0, t1, *what = line.split()
    p, n, t0, t1 = map(int, (p, n, t0, t1))
    s = (t1 - t0) / 1e9
    rate[(" ".join(what), p)] = n / s
    print(f"| `{' '.join(what)}` | {p} | {n} | {s:.2f} | {n / s:.0f} |")
rounds = {}
for line in open(f"{out}/throughput-8"):
    r, n, t0, t1, *what = line.split()
    rounds.setdefault(" ".join(what), []).append(int(n) / ((int(t1) - int(t0)) / 1e9))
nrounds = len(next(iter(rounds.values())))
print(f"\nAt 8 at once, {nrounds} interleaved rounds, each command first in every other one "
      "(containers/s):\n")
print("| command | " + " | ".join(f"round {i + 1}" for i in range(nrounds)) + " | median |")
print("|---|" + "---:|" * (nrounds + 1))
rate_median = {what: statistics.median(rates) for what, rates in rounds.items()}
for what, rates in rounds.items():
    print(f"| `{what}` | " + " | ".join(f"{x:.0f}" for x in rates) + f" | {rate_median[what]:.0f} |")
per_round = [a / b for a, b in zip(rounds["sct"], rounds["sct --no-cgroup"])]
print(f"\nsct runs {rate_median['sct'] / rate_median['sct --no-cgroup']:.2f}x the containers/s of "
      f"`sct --no-cgroup` (medians; goal: within 10%); per round, each next to the other: "
      + ", ".join(f"{r:.2f}" for r in per_round)
      + f" (median {statistics.median(per_round):.2f}).")
print(f"\nAfterwards, compared with before: host mount table, cgroup directories, the shell's fds: {leaks}; "
      f"processes left (exe = sct, or root = the rootfs): {procs}.\n")

print("Size (stripped, as installed from Debian for the peers), peak RSS "
      "(`VmHWM` of the runtime process we start, while its container runs `sleep 1`) and that "
      "process's private memory while it waits (`/proc/PID/smaps_rollup`: dirty, and clean, "
      "which is mostly its own text):\n")
sizes = [l.split() for l in open(f"{out}/sizes")]
rss = dict(l.rsplit(None, 1) for l in open(f"{out}/rss"))
private = {n: [d, c] for n, d, c in (l.rsplit(None, 2) for l in open(f"{out}/private"))}
print("| binary | size | linked | peak RSS | idle private dirty | idle private clean |")
print("|---|---:|---|---:|---:|---:|")
names = {"sct-x86_64": "sct", "bwrap": "bwrap", "crun": "crun", "runc": "runc"}
def kb(v):
    return f"{v} KB" if v else ""
for name, size, link in sizes:
    r = rss.get(names.get(name, ""), "")
    d, c = private.get(names.get(name, ""), ["", ""])
    print(f"| {name} | {int(size) / 1024:.1f} KB | {link} | {kb(r)} | {kb(d)} | {kb(c)} |")
if "unshare -pfmui" in rss:
    d, c = private.get("unshare -pfmui", ["", ""])
    print(f"| unshare (util-linux) | | dynamic | {rss['unshare -pfmui']} KB | {kb(d)} | {kb(c)} |")
print("\nDynamic peers also map their shared libraries (libc, libseccomp, libcap, ...), "
      "not counted in their size.")
