//! An idle supervisor's own memory, held to issue 14's budget. Its own
//! test binary: tests of one binary share the fd table, and
//! tests/supervision.rs counts descriptors.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// The memory of a process's own: anonymous pages (its stack, its written
/// data), not the page cache's copy of its text, which a fresh build leaves
/// dirty for a while.
fn anonymous_kib(pid: u32) -> u64 {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    smaps
        .lines()
        .filter_map(|l| l.strip_prefix("Anonymous:"))
        .map(|v| {
            v.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .unwrap()
        })
        .sum()
}

/// Issue 14's budget for an idle supervisor: setup's stack is given back
/// once the container runs (sys/stack.rs).
#[test]
fn an_idle_supervisor_holds_at_most_32_kib_of_its_own() {
    require_root();
    let rootfs = Rootfs::new();
    let token = unique_token("idle");
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let (child, _out) = sct.start_ready(&[
        rootfs.path().as_os_str(),
        "/bin/probe".as_ref(),
        "pause".as_ref(),
        token.as_ref(),
    ]);
    // CMD runs; sct reaches its wait loop right after: wait for it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let kib = anonymous_kib(child.id());
        if kib <= 32 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "an idle supervisor holds {kib} KiB of its own (budget: 32)"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(child);
    assert_processes_gone(&token);
}
