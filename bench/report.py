#!/usr/bin/env python3
"""Formats bench/out (written by bench/run) as the markdown of bench/results.md."""
import datetime
import json
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
if os.path.exists(f"{out}/oci.json"):
    oci = {r["command"]: r for r in json.load(open(f"{out}/oci.json"))["results"]}
    print("\nOCI mode: create, start, wait and delete of `/bin/true`, each runtime by its own "
          "command line, in a PID namespace whose first process stands in for containerd's shim "
          f"(one hyperfine run; goal: sct ≤ 0.5× crun):\n")
    print("| runtime | mean | σ | median | ratio to crun (medians) |")
    print("|---|---:|---:|---:|---:|")
    for name, r in oci.items():
        print(f"| {name} | {r['mean'] * 1e3:.2f} ms | {r['stddev'] * 1e3:.2f} ms "
              f"| {r['median'] * 1e3:.2f} ms | {r['median'] / oci['crun']['median']:.2f} |")
    if "sct, host's cgroups" in oci:
        print("\nThe first sct row ran beside crun and runc with the unified hierarchy unmounted, "
              "so its device rule took v1's devices controller (the init moves itself in, writing 0 to "
              "`tasks`: a move by another process waits for an RCU grace period); the second ran "
              "where sct runs on this host (its own mount "
              "namespace, entered with one more exec, nsenter): a BPF program on a v2 directory "
              "the init starts in.")
import glob
rounds = []
for f in sorted(glob.glob(f"{out}/cost-*.json")):
    m = {r["command"]: r["median"] for r in json.load(open(f))["results"]}
    rounds.append((m["sct"] / m["sct --no-cgroup"], m["sct"] / m["bwrap --unshare-all"],
                   m["sct"] / m["floor"] if "floor" in m else None))
opt_out = sorted(r[0] for r in rounds)[len(rounds) // 2]
bwrap = sorted(r[1] for r in rounds)[len(rounds) // 2]
print(f"\nThe device rule's cost, in {len(rounds)} rounds of hyperfine that each run sct, "
      f"`sct --no-cgroup` and bwrap ({runs} runs each), ratios of the medians per round: "
      f"sct / `sct --no-cgroup` = " + ", ".join(f"{r[0]:.2f}" for r in rounds) +
      f" (median {opt_out:.2f}; goal ≤ 1.10); sct / bwrap = " + ", ".join(f"{r[1]:.2f}" for r in rounds) +
      f" (median {bwrap:.2f}; goal ≤ 0.50).\n")
floors = [r[2] for r in rounds if r[2] is not None]
if floors:
    print("Against the kernel's own work (`floor`, bench/floor.c: sct's default namespaces, "
          "bind, pivot_root, /proc and exec in C, nothing else), in the same rounds: "
          "sct / floor = " + ", ".join(f"{r:.2f}" for r in floors) +
          f" (median {sorted(floors)[len(floors) // 2]:.2f}; goal ≤ 1.20).\n")
rootless = {}
for kind in ("ranges", "single"):
    for f in sorted(glob.glob(f"{out}/rootless/{kind}-*.json")):
        m = {r["command"]: r["median"] for r in json.load(open(f))["results"]}
        name = next(c for c in m if c.startswith("sct"))
        rootless.setdefault(name, []).append(m[name] / m["bwrap --unshare-all"])
for name, ratios in rootless.items():
    print(f"Rootless, run by the ordinary user `sct-test`: `{name}` / `bwrap --unshare-all` "
          f"by the same user, ratios of the medians per round: " + ", ".join(f"{r:.2f}" for r in ratios) +
          f" (median {sorted(ratios)[len(ratios) // 2]:.2f}; goal ≤ 0.50).\n")
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
print(f"\nAt 8 at once, {nrounds} interleaved rounds (containers/s):\n")
print("| command | " + " | ".join(f"round {i + 1}" for i in range(nrounds)) + " | median |")
print("|---|" + "---:|" * (nrounds + 1))
median = {}
for what, rates in rounds.items():
    median[what] = sorted(rates)[len(rates) // 2]
    print(f"| `{what}` | " + " | ".join(f"{x:.0f}" for x in rates) + f" | {median[what]:.0f} |")
per_round = [a / b for a, b in zip(rounds["sct"], rounds["sct --no-cgroup"])]
print(f"\nsct runs {median['sct'] / median['sct --no-cgroup']:.2f}x the containers/s of "
      f"`sct --no-cgroup` (medians; goal: within 10%); per round, each next to the other: "
      + ", ".join(f"{r:.2f}" for r in per_round)
      + f" (median {sorted(per_round)[len(per_round) // 2]:.2f}).")
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
