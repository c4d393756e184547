# --init on this boot's architecture and root-switch path (sourced by
# tests/vm/suite.sh): CMD is PID 2, orphans are reaped, codes pass through.

expect vm-init-cmd-pid "pid=2" "$(sct --init "$root" /bin/probe info | grep '^pid=')"
expect vm-init-no-zombies "zombies=0" "$(sct --init "$root" /bin/probe orphans 20)"
sct --init "$root" /bin/sh -c 'kill -TERM $$'
expect vm-init-signal-code 143 "$?"
