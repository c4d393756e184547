# Rootless: sct run by an ordinary user (uid 1000, no /etc/passwd entry and
# no newuidmap here, so the single mapping) on this boot's architecture and
# root-switch path, with pure cgroup v2 (sourced by tests/vm/suite.sh).

rl() { $SCT_FAKE /bin/probe as-user 1000 1000 -- /bin/sct "$@"; }

# A rootfs the user owns, as one it unpacked itself would be.
rlroot=/tmp/rootless
rm -rf "$rlroot"
cp -a "$root" "$rlroot"
chown -R 1000:1000 "$rlroot"

out=$(rl "$rlroot" /bin/probe info)
expect rootless-pid-1 "pid=1" "$(echo "$out" | grep '^pid=')"
expect rootless-uid-0 "uid=0" "$(echo "$out" | grep '^uid=')"
expect rootless-caps "CapEff=00000000a80405fb" "$(echo "$out" | grep '^CapEff=')"
expect rootless-seccomp "Seccomp=2" "$(echo "$out" | grep '^Seccomp=')"
expect rootless-uid-map "0 1000 1" "$(rl "$rlroot" /bin/cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')"
expect rootless-setgroups-denied "deny" "$(rl "$rlroot" /bin/cat /proc/self/setgroups)"
rl "$rlroot" /bin/probe exit 42
expect rootless-exit-42 42 "$?"
expect rootless-net-none "loopback=up" "$(rl --net none "$rlroot" /bin/probe net | grep '^loopback=')"
expect rootless-read-only "error=EROFS" "$(rl --read-only "$rlroot" /bin/probe write /x)"
expect rootless-dev-null "open=ok" "$(rl "$rlroot" /bin/probe open /dev/null w | grep '^open=')"
expect rootless-no-mknod "error=EPERM" "$(rl "$rlroot" /bin/probe mknod /tmp/null)"
expect rootless-no-mount "errno=EPERM" "$(rl "$rlroot" /bin/probe syscall mount)"
expect rootless-no-new-userns "errno=EPERM" "$(rl "$rlroot" /bin/probe syscall unshare 0x10000000)"
expect rootless-host-marker-unreachable "error=ENOENT" "$(rl "$rlroot" /bin/probe read /marker-outside)"
expect rootless-chroot-escape-lands-inside "root=bin,dev,etc,proc,sys,tmp" \
  "$(rl "$rlroot" /bin/probe chroot-escape | grep '^root=')"
# Only the container's own mounts, on either root-switch path.
expect rootless-mountinfo-only-own "1 0" \
  "$(rl "$rlroot" /bin/cat /proc/self/mountinfo | while read -r _ _ _ _ mp _; do echo "$mp"; done |
    awk '$0 == "/" { root++ } $0 != "/" && $0 !~ /^\/(proc|sys|dev)(\/|$)/ { other++ } END { print root, other + 0 }')"
err=$(rl --user 5 "$rlroot" /bin/true 2>&1)
expect rootless-unmapped-user "125 sct: --user 5:5: not mapped in the container's user namespace" "$? $(echo "$err" | head -1)"

# A limit without a delegated cgroup: a clear error, never ignored.
err=$(rl --pids-limit 10 "$rlroot" /bin/true 2>&1)
expect rootless-limit-undelegated "125 sct: open cgroup.subtree_control: EACCES (Permission denied)" "$? $(echo "$err" | head -1)"
expect rootless-limit-hint "sct: hint: limits need a cgroup delegated to you" "$(echo "$err" | tail -1 | cut -c1-48)"

# A delegated cgroup (what systemd's Delegate=yes does): the user owns a
# subtree, and sct runs from a leaf of it.
deleg=/sys/fs/cgroup/sct-rootless
mkdir "$deleg" "$deleg/launcher"
echo +pids >/sys/fs/cgroup/cgroup.subtree_control
chown 1000:1000 "$deleg" "$deleg/cgroup.procs" "$deleg/cgroup.subtree_control" \
  "$deleg/launcher" "$deleg/launcher/cgroup.procs"
out=$(sh -c 'echo $$ >/sys/fs/cgroup/sct-rootless/launcher/cgroup.procs
  exec '"$SCT_FAKE"' /bin/probe as-user 1000 1000 -- /bin/sct --cgroup-parent /sct-rootless \
    --pids-limit 10 '"$rlroot"' /bin/probe spawn-loop 50' 2>&1)
expect rootless-delegated-limit "error=EAGAIN" "$(echo "$out" | grep '^error=')"
expect rootless-delegated-cleaned "launcher" "$(cd "$deleg" && ls -d */ | tr -d /)"
rmdir "$deleg/launcher" "$deleg"
expect rootless-nothing-left "" "$(ls -d /sys/fs/cgroup/sct-rootless 2>/dev/null)"
# Unprivileged user namespaces switched off (user.max_user_namespaces=0):
# one clear error, on either spawn path.
max_userns=$(cat /proc/sys/user/max_user_namespaces)
echo 0 >/proc/sys/user/max_user_namespaces
err=$(rl "$rlroot" /bin/true 2>&1)
expect rootless-userns-disabled "125 sct: clone: ENOSPC (No space left on device)" \
  "$? $(echo "$err" | head -1 | sed 's/clone3:/clone:/')"
echo "$max_userns" >/proc/sys/user/max_user_namespaces
rm -rf "$rlroot"
