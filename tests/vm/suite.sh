#!/bin/sh
# The checks that run inside the VM (busybox sh, run by /init as root).
# Each check prints "ok NAME" or "FAIL NAME: detail"; the exit status is the
# number of failures. SCT_FAKE, when set, is a prefix that runs sct under the
# probe's fake-old-kernel filter (e.g. "probe fake-old-kernel no-clone3 --").

fails=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; fails=$((fails + 1)); }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "want [$2] got [$3]"; fi; }
sct() { $SCT_FAKE /bin/sct "$@"; }

# A container rootfs with busybox and the probe, and a marker beside it that
# must stay unreachable from inside.
dir=/tmp/ctr
rm -rf "$dir"
mkdir -p "$dir/root/bin" "$dir/root/proc" "$dir/root/tmp" "$dir/root/etc"
cp /bin/busybox /bin/probe "$dir/root/bin/"
for a in sh true false echo cat ls; do ln -s busybox "$dir/root/bin/$a"; done
echo "host secret" >"$dir/marker-outside"
root=$dir/root

# The fake-old-kernel filter must really be on sct (a seccomp filter is
# inherited through exec).
if [ -n "$SCT_FAKE" ]; then
  expect fake-old-kernel-filter-on "Seccomp=2" "$($SCT_FAKE /bin/probe info | grep '^Seccomp=')"
fi

mounts_before=$(cat /proc/self/mountinfo | wc -l)

out=$(sct "$root" /bin/probe info)
expect pid-1 "pid=1" "$(echo "$out" | grep '^pid=')"
expect only-fds-0-2 "fds=0,1,2" "$(echo "$out" | grep '^fds=')"
out=$(sct --hostname vmbox "$root" /bin/probe info)
expect hostname "hostname=vmbox" "$(echo "$out" | grep '^hostname=')"

for code in 0 1 42; do
  sct "$root" /bin/probe exit "$code"
  expect "exit-$code" "$code" "$?"
done
printf 'not an executable' >"$root/bin/noexec"
chmod 755 "$root/bin/noexec"
sct "$root" /bin/noexec 2>/dev/null
expect exit-126 126 "$?"
sct "$root" /bin/missing 2>/dev/null
expect exit-127 127 "$?"

# Nothing of the host's tree: no marker, no host /sys, only the container's
# own proc in the mount table, and ".." from / stays at /.
expect host-marker-unreachable "error=ENOENT" "$(sct "$root" /bin/probe read /marker-outside)"
expect dotdot-stays-root "bin dev etc proc sys tmp" "$(sct "$root" /bin/sh -c 'cd /../../..; ls' | tr '\n' ' ' | sed 's/ $//')"
# Only the container's own mounts: its root and what sct mounts below /proc,
# /sys and /dev (which masked paths exist depends on the kernel).
expect mountinfo-only-own "1 0" \
  "$(sct "$root" /bin/cat /proc/self/mountinfo | while read -r _ _ _ _ mp _; do echo "$mp"; done |
    awk '$0 == "/" { root++ } $0 != "/" && $0 !~ /^\/(proc|sys|dev)(\/|$)/ { other++ } END { print root, other + 0 }')"
# The default capability set keeps CAP_SYS_CHROOT (Docker's): the escape
# runs, and must land back in the container's own root.
expect chroot-escape-lands-inside "root=bin,dev,etc,proc,sys,tmp" "$(sct "$root" /bin/probe chroot-escape | grep '^root=')"

expect host-mounts-unchanged "$mounts_before" "$(cat /proc/self/mountinfo | wc -l)"

# Hook: pure cgroup v2 checks (limits issue) go in /suite.d/*.sh, sourced
# here with $root, sct, ok, fail and expect available.
for f in /suite.d/*.sh; do
  [ -e "$f" ] && . "$f"
done

exit "$fails"
