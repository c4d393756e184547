//! `ps`: the processes of the container's cgroup. runc's table runs the
//! host's `ps` and keeps the container's lines; sct runs no host program, so
//! its table is the PID column alone and extra `ps` arguments are refused.
//! `--format json` is the array of pids containerd reads (`ctr task ps`).

use super::lifecycle::id;
use super::state;
use super::{Global, Opts};
use crate::cgroup::live::Live;
use crate::error::{Error, Result};
use crate::out::Buf;
use crate::sys::args::{Args, Environ};

pub fn ps(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    if let Some(arg) = opts.args[1].get() {
        return Err(Error::setup(
            "ps",
            arg.to_bytes(),
            "sct runs no host ps: it lists PIDs only, without ps arguments",
        ));
    }
    state::with_live(global.root, id(opts), "ps", &mut |st, _| {
        list(opts, &Live::open(&st.cgroups))
    })
}

fn list(opts: &Opts, live: &Live) -> Result<()> {
    let mut procs = [0u8; 16384];
    let procs = live.procs(&mut procs)?;
    let mut out = Buf::<16384>::from(if opts.json { b"[" } else { b"PID\n" });
    let mut first = true;
    state::each_pid(procs, &mut |pid| {
        if opts.json && !first {
            out.push(b",");
        }
        first = false;
        out.push_u64(pid);
        if !opts.json {
            out.push(b"\n");
        }
    });
    if opts.json {
        out.push(b"]\n");
    }
    out.write_to(crate::sys::stdout());
    Ok(())
}
