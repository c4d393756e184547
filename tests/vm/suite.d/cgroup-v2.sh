# Pure cgroup v2 limits (sourced by suite.sh inside the VM; see README there).
# The guest's /init runs in the root cgroup, which is exempt from the
# "no internal processes" rule. A real user's shell sits in a leaf cgroup of
# its own (a systemd session scope), with a delegated, empty cgroup for
# containers beside it: this file sets up exactly that.
# /init mounted cgroup2 there (a second mount on the same place is EBUSY).
cg=/sys/fs/cgroup
echo "+memory +pids +cpu" >$cg/cgroup.subtree_control
mkdir -p $cg/session $cg/ctr
echo $$ >$cg/session/cgroup.procs
expect v2-shell-in-session "0::/session" "$(cat /proc/self/cgroup)"

# No --cgroup-parent: sct's own cgroup (the session) has processes, so the
# kernel refuses to enable controllers there (EBUSY): sct says why and what
# to pass instead, and runs nothing.
err=$(sct --memory 20M "$root" /bin/probe exit 0 2>&1 >/dev/null)
rc=$?
expect v2-internal-procs-exit 125 "$rc"
expect v2-internal-procs-error \
  "sct: write cgroup.subtree_control: EBUSY (Device or resource busy)" \
  "$(echo "$err" | head -1)"
case $(echo "$err" | sed -n 2p) in
  *"'no internal processes' rule); pass --cgroup-parent"*) ok v2-internal-procs-hint ;;
  *) fail v2-internal-procs-hint "$err" ;;
esac
expect v2-internal-procs-nothing-left "" "$(find $cg -name 'sct-*' -type d)"

# --memory: a process buffering 100 MB under 20M is OOM-killed.
err=$(sct --cgroup-parent ctr --memory 20M "$root" /bin/probe alloc 100 2>&1 >/dev/null)
rc=$?
expect v2-memory-exit 137 "$rc"
expect v2-memory-message "sct: container killed: out of memory (limit 20M)" "$err"

# --pids-limit: a fork loop stops at the limit: probe is one of the 10
# tasks, so 9 children (busybox sleep) run and the 10th fork gets EAGAIN.
ln -sf busybox "$root/bin/sleep"
out=$(sct --cgroup-parent ctr --pids-limit 10 "$root" /bin/probe spawn-loop 50 2>/tmp/pids-err)
expect v2-pids-limit "spawned=9 error=EAGAIN" "$(echo "$out" | grep '^spawned=\|^error=' | tr '\n' ' ' | sed 's/ $//')"
expect v2-pids-message "sct: container reached its pids limit (10): 1 fork failed" "$(cat /tmp/pids-err)"

# --cpus 0.2: cpu.max says 20000 100000, and a spinning CMD gets throttled
# (cpu.stat nr_throttled, what the kernel counts: how much CPU it got under
# TCG says nothing).
sct --cgroup-parent ctr --cpus 0.2 "$root" /bin/probe spin 3000 >/tmp/spin-out &
spin=$!
max= throttled=0 i=0
while [ $i -lt 600 ] && [ "$throttled" = 0 ] && kill -0 $spin 2>/dev/null; do
  dir=$(find $cg/ctr -maxdepth 1 -name 'sct-*' -type d | head -1)
  if [ -n "$dir" ]; then
    max=$(cat "$dir/cpu.max" 2>/dev/null)
    throttled=$(sed -n 's/^nr_throttled //p' "$dir/cpu.stat" 2>/dev/null)
    throttled=${throttled:-0}
  fi
  sleep 0.05
  i=$((i + 1))
done
wait $spin
expect v2-cpus-exit 0 "$?"
expect v2-cpus-max "20000 100000" "$max"
if [ "$throttled" -gt 0 ]; then ok v2-cpus-throttled; else fail v2-cpus-throttled "nr_throttled stayed 0"; fi

# CMD's first look at /proc/self/cgroup already shows the container cgroup:
# clone3(CLONE_INTO_CGROUP), and on both fallbacks (cgroup.procs written
# before CMD is released).
for how in "" "no-clone-into-cgroup" "no-clone3"; do
  pre=
  [ -n "$how" ] && pre="/bin/probe fake-old-kernel $how --"
  out=$($pre /bin/sct --cgroup-parent ctr --pids-limit 20 "$root" /bin/probe info | grep '^cgroup=')
  case $out in
    cgroup=0::/ctr/sct-[0-9]*) ok "v2-first-cgroup${how:+-$how}" ;;
    *) fail "v2-first-cgroup${how:+-$how}" "$out" ;;
  esac
done

left=$(find $cg -name 'sct-*' -type d)
expect v2-nothing-left "" "$left"

echo $$ >$cg/cgroup.procs
rmdir $cg/session $cg/ctr
