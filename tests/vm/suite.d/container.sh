# Issue 6's container setup on this boot's architecture and root-switch path
# (sourced by tests/vm/suite.sh): /dev, binds, --tmpfs, --read-only,
# --rlimit and --user with capabilities dropped. On a copy of the rootfs:
# binds and --tmpfs create their DST in it, which later checks must not see.

saved_root=$root
root=/tmp/ctr-copy/root
rm -rf /tmp/ctr-copy && mkdir -p /tmp/ctr-copy && cp -a "$saved_root" "$root"

expect vm-dev-null-works "ok" "$(sct "$root" /bin/sh -c 'echo x >/dev/null && echo ok')"
expect vm-dev-nodes "1:3 1:5 1:7 1:8 1:9 5:0" \
  "$(sct "$root" /bin/sh -c 'for n in null zero full random urandom tty; do set -- $(ls -l /dev/$n); echo "${5%,}:$6"; done' | tr '\n' ' ' | sed 's/ $//')"
mkdir -p /tmp/vm-bind && echo data >/tmp/vm-bind/file
expect vm-bind-visible "data" "$(sct -v /tmp/vm-bind:/mnt "$root" /bin/cat /mnt/file)"
expect vm-bind-ro "error=EROFS" "$(sct -v /tmp/vm-bind:/mnt:ro "$root" /bin/probe write /mnt/new)"
expect vm-read-only-root "error=EROFS" "$(sct --read-only "$root" /bin/probe write /new)"
expect vm-tmpfs-under-read-only "ok" "$(sct --read-only --tmpfs /scratch:size=1m "$root" /bin/probe write /scratch/new)"
expect vm-rlimit "Max open files            64                   128                  files" \
  "$(sct --rlimit nofile=64:128 "$root" /bin/cat /proc/self/limits | grep '^Max open files' | sed 's/ *$//')"
expect vm-user-cap-drop-all "uid=1000 gid=1000 CapEff=0000000000000000" \
  "$(sct --user 1000:1000 --cap-drop ALL "$root" /bin/probe info | grep -E '^(uid|gid|CapEff)=' | tr '\n' ' ' | sed 's/ $//')"
rm -rf /tmp/vm-bind /tmp/ctr-copy
root=$saved_root
