#!/bin/sh
# build/demo --vm: the quick-start container, inside the VM's busybox initramfs.
mkdir -p /tmp/demo/bin /tmp/demo/proc /tmp/demo/tmp
cp /bin/busybox /tmp/demo/bin/
for a in sh echo ps cat hostname; do ln -s busybox "/tmp/demo/bin/$a"; done
echo "host: / is $(grep ' / ' /proc/mounts | tail -1 | cut -d' ' -f3), so sct cannot pivot_root and moves the root instead"
sct --hostname demo /tmp/demo /bin/sh -c \
  'echo "hello from $(hostname): I am PID $$"; echo "my processes:"; ps; echo "my mounts:"; cat /proc/self/mounts'
