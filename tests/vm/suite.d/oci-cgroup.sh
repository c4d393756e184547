# OCI mode's cgroup commands on pure cgroup v2 (sourced by suite.sh inside
# the VM; see README there): pause and resume through cgroup.freeze, update
# through the v2 files, ps and events --stats. After cgroup-v2.sh, which
# left memory, pids and cpu enabled at the root; the container's
# cgroupsPath makes its parent "ctr", which sct leaves (as runc does).
cg=/sys/fs/cgroup/ctr/oci1
b=/tmp/oci-bundle
state=/tmp/oci-state
rm -rf "$b" "$state"
mkdir -p "$b"
ln -sf busybox "$root/bin/sleep"
cat >"$b/config.json" <<JSON
{"ociVersion": "1.0.2", "root": {"path": "$root"},
 "process": {"args": ["/bin/sh", "-c", "sleep 1000 & wait"], "env": ["PATH=/bin"],
             "cwd": "/", "user": {"uid": 0, "gid": 0}},
 "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
           "cgroupsPath": "ctr/oci1",
           "resources": {"memory": {"limit": 67108864}, "pids": {"limit": 100}, "cpu": {"shares": 1024}}}}
JSON
ocis() { sct --root "$state" "$@"; }
status() { ocis state oci1 | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'; }
# waits (up to 30 s) until the command in $1 succeeds
wait_for() {
  i=0
  while [ $i -lt 600 ] && ! eval "$1"; do sleep 0.05; i=$((i + 1)); done
}

ocis create --bundle "$b" oci1 </dev/null >/tmp/oci-out 2>&1
expect oci-create 0 "$?"
ocis start oci1
expect oci-start 0 "$?"
wait_for '[ "$(wc -l <$cg/cgroup.procs)" = 2 ]'
expect oci-ps-json 2 "$(ocis ps --format json oci1 | tr ',' '\n' | grep -c '[0-9]')"

ocis pause oci1
expect oci-pause 0 "$?"
expect oci-pause-frozen "frozen 1" "$(grep frozen $cg/cgroup.events)"
expect oci-pause-status paused "$(status)"
ocis resume oci1
expect oci-resume 0 "$?"
expect oci-resume-thawed "frozen 0" "$(grep frozen $cg/cgroup.events)"
expect oci-resume-status running "$(status)"

ocis update --memory 32M --pids-limit 50 --cpu-quota 50000 --cpu-shares 2048 oci1
expect oci-update 0 "$?"
expect oci-update-memory 33554432 "$(cat $cg/memory.max)"
expect oci-update-pids 50 "$(cat $cg/pids.max)"
expect oci-update-cpu-max "50000 100000" "$(cat $cg/cpu.max)"
expect oci-update-cpu-weight 79 "$(cat $cg/cpu.weight)"
ocis update --cpu-shares 1 oci1 2>/dev/null
expect oci-update-bad 1 "$?"
case $(ocis events --stats oci1) in
  *'"pids":{"current":2,"limit":50}'*) ok oci-events-stats ;;
  *) fail oci-events-stats "$(ocis events --stats oci1)" ;;
esac

# Paused, then deleted by force: nothing is left frozen or behind.
ocis pause oci1
ocis delete --force oci1
expect oci-delete-paused 0 "$?"
expect oci-delete-paused-cgroup-gone no "$([ -d $cg ] && echo yes || echo no)"
expect oci-delete-paused-state-gone no "$([ -d $state/oci1 ] && echo yes || echo no)"
rm -rf "$b" "$state"
rmdir /sys/fs/cgroup/ctr
