//! `pause` and `resume`: the container's cgroup frozen and thawed (v2's
//! `cgroup.freeze`, v1's freezer), waiting until the kernel reports it done.

use rustix::process::Signal;

use super::lifecycle::id;
use super::state::{self, State, Status};
use super::{Global, Opts};
use crate::cgroup::live::Live;
use crate::error::{Error, Result};
use crate::sys::args::{Args, Environ};

pub fn pause(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    set(global, opts, true)
}

pub fn resume(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    set(global, opts, false)
}

fn set(global: &Global, opts: &Opts, frozen: bool) -> Result<u8> {
    let step = if frozen { "pause" } else { "resume" };
    let id = id(opts);
    state::with_live(
        global.root,
        id,
        step,
        &mut |st, status| match (frozen, status) {
            (true, Status::Running) | (false, Status::Paused) => {
                Live::open(&st.cgroups).freeze(frozen)
            }
            _ => Err(Error::setup(
                step,
                id,
                if frozen {
                    "the container is not running"
                } else {
                    "the container is not paused"
                },
            )),
        },
    )
}

/// After SIGKILL, a paused container is thawed: v1's freezer holds the
/// signal until then (v2's lets a fatal signal through, but a directory
/// left frozen would only confuse the next reader).
pub fn thaw_after_kill(st: &State, signal: Signal) {
    let live = Live::open(&st.cgroups);
    if signal == Signal::KILL && live.paused() {
        let _ = live.freeze(false);
    }
}
