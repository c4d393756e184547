# The host's test programs (tests/cgroup.rs, built by `cargo test --no-run`)
# on pure cgroup v2 (sourced by suite.sh inside the VM; see README there):
# build/vm puts them in /host-tests when SCT_HOST_TESTS names them, which
# tests/vm.rs does for one boot. They take the sct and the probe of this
# image (tests/common honours SCT_TEST_BINARY and SCT_TEST_PROBE), and run
# in the root cgroup, beside which each test makes the cgroup it passes as
# --cgroup-parent.
for t in /host-tests/*; do
  [ -x "$t" ] || continue
  name=${t##*/}
  SCT_TEST_BINARY=/bin/sct SCT_TEST_PROBE=/bin/probe "$t" --test-threads 2 >/tmp/host-tests.log 2>&1
  rc=$?
  grep '^test result:' /tmp/host-tests.log
  if [ $rc = 0 ]; then
    ok "host-tests-$name"
  else
    cat /tmp/host-tests.log
    fail "host-tests-$name" "exit $rc"
  fi
  expect "host-tests-$name-nothing-left" "" "$(find /sys/fs/cgroup -name 'sct-*' -o -name 'tests-*' | tr '\n' ' ')"
  rm -f /tmp/host-tests.log
done
