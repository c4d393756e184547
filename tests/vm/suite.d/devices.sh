# Device access (sourced by tests/vm/suite.sh inside the VM; see README
# there): root inside must not reach a host device by any route, each defence
# layer must hold on its own, and what containers need must keep working.
# The layers: the cgroup device rule (an eBPF program on pure v2), the
# seccomp rule on mknod/mknodat, and nodev on the rootfs, binds and --tmpfs.
# The device to reach is a loop device over an image with known bytes: on a
# real board it would be the whole disk.

cg=/sys/fs/cgroup

# On a copy of the rootfs: binds and --tmpfs create their DST in it, and
# nodes are planted in it.
saved_root=$root
root=/tmp/ctr-devices/root
rm -rf /tmp/ctr-devices && mkdir -p /tmp/ctr-devices && cp -a "$saved_root" "$root"
rm -rf "${root:?}"/tmp/*
ln -sf busybox "$root/bin/sleep"
bind=/tmp/devices-bind
rm -rf $bind /tmp/devices-made && mkdir -p $bind

# The kernel frees a removed cgroup's program in its own time (a work item
# after the rmdir): wait, with a deadline, until the count is back to WANT.
settle_progs() { # WANT
  _n=0
  while [ "$(/bin/probe bpf-progs)" != "cgroup_device_progs=$1" ] && [ $_n -lt 300 ]; do
    sleep 0.1
    _n=$((_n + 1))
  done
}

# No earlier container left its program behind: nothing else on this VM
# loads cgroup device programs.
settle_progs 0
progs_before=$(/bin/probe bpf-progs)
expect devices-no-progs-before "cgroup_device_progs=0" "$progs_before"

# inside OPTIONS... -- SCRIPT: runs SCRIPT with sh in a container (stdin
# /dev/null, so no terminal is involved) and prints its output on one line.
inside() {
  _opts=
  while [ "$1" != -- ]; do _opts="$_opts $1"; shift; done
  shift
  # shellcheck disable=SC2086 # the options are words on purpose
  sct $_opts "$root" /bin/sh -c "$1" </dev/null 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

# refused NAME WORD REASON OPTIONS...: sct refuses OPTIONS with exit 125 and
# one "sct:" line that names WORD and says REASON (a "sct: hint:" or usage
# line may follow), running nothing.
refused() {
  _name=$1 _word=$2 _reason=$3
  shift 3
  _err=$(sct "$@" "$root" /bin/probe write /ran 2>&1 >/dev/null </dev/null)
  _rc=$?
  _lines=$(printf '%s\n' "$_err" | grep -v "^Try 'sct --help'.$" | grep -vc '^sct: hint: ')
  case "$_rc $_lines $_err" in
    "125 1 sct: "*"$_word"*"$_reason"*) ok "$_name" ;;
    *) fail "$_name" "exit $_rc: $_err" ;;
  esac
  [ -e "$root/ran" ] && fail "$_name-ran" "the command ran" && rm -f "$root/ran"
}

# --- The loop device -------------------------------------------------------
loop_ready=
if [ -d /sys/module/loop ]; then
  ok devices-loop-module
elif err=$(insmod /modules/loop.ko 2>&1); then
  ok devices-loop-module
else
  fail devices-loop-module "insmod /modules/loop.ko: $err (build/vm puts the booted kernel's loop.ko there)"
fi
img=/tmp/devices-disk.img
if [ -d /sys/module/loop ]; then
  dd if=/dev/zero of=$img bs=1024 count=64 2>/dev/null
  printf 'sct-host-disk-16' | dd of=$img conv=notrunc 2>/dev/null
  loopdev=$(losetup -f) && losetup "$loopdev" $img
  mm=$(cat "/sys/block/${loopdev#/dev/}/dev" 2>/dev/null)
  maj=${mm%:*} min=${mm#*:}
  case $loopdev:$mm in
    /dev/loop[0-9]*:[0-9]*:[0-9]*) loop_ready=1 ;;
    *) fail devices-loop-attach "losetup -f gave [$loopdev], /sys/block/*/dev [$mm]" ;;
  esac
fi

if [ -n "$loop_ready" ]; then
  # "sct-host-disk-16" in hex: what reading the device gives.
  hex=7363742d686f73742d6469736b2d3136
  expect devices-loop-readable-on-host "open=ok data=$hex" "$(/bin/probe open "$loopdev" r | tr '\n' ' ' | sed 's/ $//')"
  nodeb="b $maj $min"

  # --- Every route, with the default options, every capability, and a limit
  # (a cgroup that exists for the limit anyway). A node made inside is
  # refused by seccomp; one already in the image is on a nodev mount.
  mknod $root/disk b "$maj" "$min"
  mknod $root/kmsg c 1 11
  for o in "" "--cap-add ALL" "--memory 64m"; do
    sfx=
    case $o in --cap-add*) sfx=-cap-add-all ;; --memory*) sfx=-memory ;; esac
    expect "devices-mknod-rootfs-tmp$sfx" "error=EPERM open=ENOENT" \
      "$(inside $o -- "/bin/probe mknod /tmp/d $nodeb; /bin/probe open /tmp/d r")"
    expect "devices-mknod-dev$sfx" "error=EPERM open=ENOENT" \
      "$(inside $o -- "/bin/probe mknod /dev/d $nodeb; /bin/probe open /dev/d r")"
    expect "devices-mknod-tmpfs$sfx" "error=EPERM open=ENOENT" \
      "$(inside $o --tmpfs /scratch -- "/bin/probe mknod /scratch/d $nodeb; /bin/probe open /scratch/d r")"
    expect "devices-mknod-bind$sfx" "error=EPERM open=ENOENT" \
      "$(inside $o -v $bind:/mnt -- "/bin/probe mknod /mnt/d $nodeb; /bin/probe open /mnt/d r")"
    expect "devices-node-in-image$sfx" "open=EACCES open=EACCES" \
      "$(inside $o -- "/bin/probe open /disk r; /bin/probe open /disk w")"
    expect "devices-kmsg$sfx" "error=EPERM open=ENOENT" \
      "$(inside $o -- "/bin/probe mknod /dev/kmsg c 1 11; /bin/probe open /dev/kmsg w")"
    expect "devices-kmsg-in-image$sfx" "open=EACCES" "$(inside $o -- "/bin/probe open /kmsg w")"
    # Each pass starts clean, whatever the last one made.
    find $root/tmp $bind -mindepth 1 >>/tmp/devices-made
    rm -rf "${root:?}"/tmp/* "${bind:?}"/*
  done
  expect devices-nothing-made-in-rootfs-or-bind "" "$(cat /tmp/devices-made)"
  rm -f /tmp/devices-made

  # --- Each layer alone: every check here fails if its layer goes. ---------
  # The cgroup rule alone: /dev is a tmpfs without nodev, and no seccomp.
  expect devices-cgroup-rule-alone-block "ok open=EPERM open=EPERM" \
    "$(inside --seccomp unconfined -- "/bin/probe mknod /dev/d $nodeb; /bin/probe open /dev/d r; /bin/probe open /dev/d w")"
  expect devices-cgroup-rule-alone-kmsg "ok open=EPERM" \
    "$(inside --seccomp unconfined -- "/bin/probe mknod /dev/kmsg c 1 11; /bin/probe open /dev/kmsg w")"
  expect devices-cgroup-rule-alone-bind-dev "open=EPERM" \
    "$(mknod $bind/disk b "$maj" "$min"; inside --seccomp unconfined -v $bind:/mnt:dev -- "/bin/probe open /mnt/disk r")"
  rm -f $bind/disk
  # Below --cgroup-parent the container's cgroup carries the rule too.
  mkdir -p $cg/devices-parent
  expect devices-cgroup-rule-alone-cgroup-parent "ok open=EPERM" \
    "$(inside --cgroup-parent devices-parent --seccomp unconfined -- "/bin/probe mknod /dev/d $nodeb; /bin/probe open /dev/d r")"
  rmdir $cg/devices-parent
  # seccomp alone: no cgroup, and /dev has no nodev.
  expect devices-seccomp-alone "error=EPERM open=ENOENT" \
    "$(inside --no-cgroup -- "/bin/probe mknod /dev/d $nodeb; /bin/probe open /dev/d r")"
  expect devices-seccomp-alone-kmsg "error=EPERM" \
    "$(inside --no-cgroup -- "/bin/probe mknod /dev/kmsg c 1 11")"
  # nodev alone: no cgroup, no seccomp.
  expect devices-nodev-alone-rootfs "ok open=EACCES" \
    "$(inside --no-cgroup --seccomp unconfined -- "/bin/probe mknod /tmp/d $nodeb; /bin/probe open /tmp/d r")"
  rm -f $root/tmp/d
  expect devices-nodev-alone-image "open=EACCES" \
    "$(inside --no-cgroup --seccomp unconfined -- "/bin/probe open /disk r")"
  expect devices-nodev-alone-tmpfs "ok open=EACCES" \
    "$(inside --no-cgroup --seccomp unconfined --tmpfs /scratch -- "/bin/probe mknod /scratch/d $nodeb; /bin/probe open /scratch/d r")"
  expect devices-nodev-alone-bind "ok open=EACCES" \
    "$(inside --no-cgroup --seccomp unconfined -v $bind:/mnt -- "/bin/probe mknod /mnt/d $nodeb; /bin/probe open /mnt/d r")"
  rm -f $bind/d
  # With all three off the device is readable: the layers, not something
  # else, are what stopped the checks above.
  expect devices-all-layers-off-dev "ok open=ok data=$hex" \
    "$(inside --no-cgroup --seccomp unconfined -- "/bin/probe mknod /dev/d $nodeb; /bin/probe open /dev/d r")"
  mknod $bind/disk b "$maj" "$min"
  expect devices-all-layers-off-bind-dev "open=ok data=$hex" \
    "$(inside --no-cgroup --seccomp unconfined -v $bind:/mnt:dev -- "/bin/probe open /mnt/disk r")"
  expect devices-all-layers-off-bind-ro-dev "open=ok data=$hex" \
    "$(inside --no-cgroup --seccomp unconfined -v $bind:/mnt:ro,dev -- "/bin/probe open /mnt/disk r")"
  expect devices-bind-nodev-option "open=EACCES" \
    "$(inside --no-cgroup --seccomp unconfined -v $bind:/mnt:rw,nodev -- "/bin/probe open /mnt/disk r")"
  rm -f $bind/disk

  # --- --device -------------------------------------------------------------
  expect devices-device-node "b $maj:$min" \
    "$(inside --device "$loopdev" -- "set -- \$(ls -l $loopdev); echo \"\${1%\${1#?}} \${5%,}:\$6\"")"
  expect devices-device-read "open=ok data=$hex" \
    "$(inside --device "$loopdev" -- "/bin/probe open $loopdev r")"
  expect devices-device-r "open=ok data=$hex open=EPERM" \
    "$(inside --device "$loopdev:/dev/xvda:r" -- "/bin/probe open /dev/xvda r; /bin/probe open /dev/xvda w")"
  expect devices-device-w "open=EPERM open=ok" \
    "$(inside --device "$loopdev:/dev/xvda:w" -- "/bin/probe open /dev/xvda r; /bin/probe open /dev/xvda w")"
  expect devices-device-m "ok open=EPERM open=EPERM" \
    "$(inside --device "$loopdev:/dev/xvda:m" -- "/bin/probe mknod /dev/xvdb $nodeb; /bin/probe open /dev/xvda r; /bin/probe open /dev/xvdb r")"
  # Without CAP_MKNOD (e.g. --cap-drop ALL for a board's /dev/ttyUSB0) the
  # node must still be there and usable.
  expect devices-device-without-cap-mknod "open=ok data=$hex" \
    "$(inside --cap-drop MKNOD --device "$loopdev" -- "/bin/probe open $loopdev r")"
  # Another node than the one passed in stays refused.
  expect devices-device-other-minor "error=EPERM" \
    "$(inside --device "$loopdev" -- "/bin/probe mknod /dev/other b $maj $((min + 1))")"
  # HOST missing or no device: sct looks at it (CONTAINER below /dev).
  refused devices-device-missing /dev/devices-missing ENOENT --device /dev/devices-missing
  echo "not a device" >/tmp/devices-regular-file
  refused devices-device-not-a-device /tmp/devices-regular-file "not a character or block device" \
    --device /tmp/devices-regular-file:/dev/xvda
  # CONTAINER defaults to HOST, and must be below /dev.
  refused devices-device-missing-outside-dev /nonexistent "" --device /nonexistent
  refused devices-device-file-outside-dev /tmp/devices-regular-file "" --device /tmp/devices-regular-file
  refused devices-device-outside-dev "$loopdev:/etc/xvda" "" --device "$loopdev:/etc/xvda"
  refused devices-device-bad-perms "$loopdev:/dev/xvda:rwx" "" --device "$loopdev:/dev/xvda:rwx"
  rm -f /tmp/devices-regular-file
else
  fail devices-loop "no loop device: the block-device checks could not run"
fi

# --- What containers need keeps working ------------------------------------
random='s/^data=[0-9a-f]\{32\}$/data=16-bytes/'
expect devices-default-null "open=ok data= open=ok" \
  "$(inside -- "/bin/probe open /dev/null r; /bin/probe open /dev/null w")"
expect devices-default-zero "open=ok data=00000000000000000000000000000000 open=ok" \
  "$(inside -- "/bin/probe open /dev/zero r; /bin/probe open /dev/zero w")"
expect devices-default-full "open=ok data=00000000000000000000000000000000 error=ENOSPC" \
  "$(inside -- "/bin/probe open /dev/full r; /bin/probe write /dev/full")"
expect devices-default-random "open=ok data=16-bytes open=ok open=ok data=16-bytes open=ok" \
  "$(inside -- "for n in random urandom; do /bin/probe open /dev/\$n r | sed '$random'; /bin/probe open /dev/\$n w; done")"
# No controlling terminal: /dev/tty gets as far as the driver (ENXIO), not
# the rule (EPERM). A fresh pty is locked: its open reaches the driver too.
expect devices-default-tty "open=ENXIO" "$(inside -- "/bin/probe open /dev/tty w")"
expect devices-default-ptmx-pts "open=ok open=EIO" \
  "$(inside -- "/bin/probe open /dev/ptmx w; exec 3<>/dev/ptmx; /bin/probe open /dev/pts/0 w")"
# The console (5:1) is in the rule's default set, though sct makes no node.
expect devices-default-console-rule "ok open=ok" \
  "$(inside --seccomp unconfined -- "/bin/probe mknod /dev/console2 c 5 1; /bin/probe open /dev/console2 w")"
expect devices-default-mknod-null "ok open=ok" \
  "$(inside -- "/bin/probe mknod /dev/null2 c 1 3; /bin/probe open /dev/null2 w")"
expect devices-default-cgroup "cgroup=own" \
  "$(sct "$root" /bin/probe info 2>&1 | grep '^cgroup=\|^sct:' | sed 's|^cgroup=0::/sct-[0-9]*$|cgroup=own|')"
expect devices-no-cgroup "cgroup=0::/" "$(sct --no-cgroup "$root" /bin/probe info 2>&1 | grep '^cgroup=\|^sct:')"
err=$(sct --no-cgroup --memory 64m "$root" /bin/probe write /ran 2>&1 >/dev/null)
rc=$?
expect devices-no-cgroup-with-limit "125 sct: --no-cgroup cannot go with a limit: limits live in the cgroup" \
  "$rc $(echo "$err" | head -1)"

# The rule exists while a container runs (and only then): one program, on
# the container's own cgroup; none with --no-cgroup.
gate=/tmp/devices-gate
while_running() {
  settle_progs 0
  rm -rf $gate && mkdir -p $gate
  sct "$@" -v $gate:/gate "$root" /bin/sh -c ': >/gate/up; while [ ! -e /gate/go ]; do sleep 0.1; done' </dev/null 2>/dev/null &
  _bg=$!
  _n=0
  while [ ! -e $gate/up ] && kill -0 $_bg 2>/dev/null && [ $_n -lt 300 ]; do sleep 0.1; _n=$((_n + 1)); done
  echo "up=$([ -e $gate/up ] && echo yes) $(/bin/probe bpf-progs) cgroups=$(find $cg -name 'sct-*' -type d | wc -l)"
  touch $gate/go
  wait $_bg
  rm -rf $gate
}
expect devices-rule-while-running "up=yes cgroup_device_progs=1 cgroups=1" "$(while_running)"
expect devices-no-rule-with-no-cgroup "up=yes cgroup_device_progs=0 cgroups=0" "$(while_running --no-cgroup)"

# --- CAP_NET_RAW: AF_PACKET sees the host's traffic with the host's network.
# The probe's capture check sends to 127.0.0.1: the VM's lo starts down.
ip link set lo up
expect devices-packet-host-net "packet=EPERM" "$(sct "$root" /bin/probe packet 2>&1)"
expect devices-cap-net-raw-host-net "CapEff=00000000a80405fb" "$(sct "$root" /bin/probe info | grep '^CapEff=')"
expect devices-packet-cap-add "packet=ok captured=yes" \
  "$(sct --cap-add NET_RAW "$root" /bin/probe packet 2>&1 | tr '\n' ' ' | sed 's/ $//')"
expect devices-packet-net-none "packet=ok" "$(sct --net none "$root" /bin/probe packet 2>/dev/null | grep '^packet=')"
expect devices-cap-net-raw-net-none "CapEff=00000000a80425fb" "$(sct --net none "$root" /bin/probe info | grep '^CapEff=')"

# --- Masked paths ----------------------------------------------------------
expect devices-masked-proc-interrupts "host=nonempty inside=" \
  "host=$([ -n "$(cat /proc/interrupts)" ] && echo nonempty) inside=$(sct "$root" /bin/probe read /proc/interrupts)"

# --- Nothing left ------------------------------------------------------------
[ -n "$loop_ready" ] && losetup -d "$loopdev"
rm -f $img
settle_progs "${progs_before#cgroup_device_progs=}"
expect devices-progs-after "$progs_before" "$(/bin/probe bpf-progs)"
expect devices-cgroups-after "" "$(find $cg -name 'sct-*' -type d)"
expect devices-nothing-left "$progs_before cgroups= loop=detached" \
  "$(/bin/probe bpf-progs) cgroups=$(find $cg -name 'sct-*' -type d) loop=$(
    [ -n "$loop_ready" ] && [ ! -e "/sys/block/${loopdev#/dev/}/loop/backing_file" ] && echo detached)"

rm -rf /tmp/ctr-devices $bind
root=$saved_root
