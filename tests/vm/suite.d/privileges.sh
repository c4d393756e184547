# Capabilities, no_new_privs and the seccomp filter inside the VM, on this
# boot's architecture and root-switch path (sourced by tests/vm/suite.sh).

out=$(sct "$root" /bin/probe info)
expect vm-no-new-privs "NoNewPrivs=1" "$(echo "$out" | grep '^NoNewPrivs=')"
expect vm-seccomp-filter "Seccomp=2" "$(echo "$out" | grep '^Seccomp=')"
expect vm-cap-amb-empty "CapAmb=0000000000000000" "$(echo "$out" | grep '^CapAmb=')"
expect vm-cap-drop-all "CapEff=0000000000000000" "$(sct --cap-drop ALL "$root" /bin/probe info | grep '^CapEff=')"
# Under the fake-old-kernel filter sct itself already runs filtered.
if [ -z "$SCT_FAKE" ]; then
  expect vm-unconfined "Seccomp=0" "$(sct --seccomp unconfined "$root" /bin/probe info | grep '^Seccomp=')"
fi
for call in mount reboot swapon init_module; do
  expect "vm-denied-$call" "errno=EPERM" "$(sct "$root" /bin/probe syscall "$call")"
done
expect vm-clone3-enosys "errno=ENOSYS" "$(sct "$root" /bin/probe syscall clone3)"
expect vm-getpid-allowed "result=1" "$(sct "$root" /bin/probe syscall getpid)"
# The classic chroot escape: CAP_SYS_CHROOT is in the default set (Docker's),
# and on either root-switch path it lands back in the container's root; with
# the capability dropped it cannot even start.
expect vm-chroot-escape-with-cap "root=bin,dev,etc,proc,sys,tmp" \
  "$(sct --cap-add SYS_CHROOT "$root" /bin/probe chroot-escape | grep '^root=')"
expect vm-chroot-escape-without-cap "escape=EPERM" \
  "$(sct --cap-drop SYS_CHROOT "$root" /bin/probe chroot-escape | grep '^escape=')"
