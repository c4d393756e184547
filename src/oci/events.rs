//! `events --stats`: one line of runc's `stats` event, the container's
//! cgroup counters (`{"type":"stats","id":ID,"data":{"cpu":...,"memory":
//! ...,"pids":...}}`). sct has no event loop: without `--stats` (runc's
//! stream of OOM and stats events every `--interval`) it refuses.

use super::lifecycle::id;
use super::state;
use super::update::value_flag;
use super::{Flag, Global, Opts};
use crate::cgroup::live::Live;
use crate::error::{Error, Result};
use crate::json::push_escaped;
use crate::out::Buf;
use crate::sys::args::{Args, Environ};

/// The flags' places in `FLAGS`, where `keep_value` keeps their values.
pub(super) const STATS: usize = 0;

pub(super) const FLAGS: &[Flag] = &[
    Flag {
        text: "--stats\n\
               print the container's counters once (required: sct streams no events)",
        set: super::keep_value,
    },
    value_flag!(
        "--interval",
        "D",
        "accepted for runc's callers; unused with --stats"
    ),
];

pub fn events(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let id = id(opts);
    if opts.values[STATS].is_none() {
        return Err(Error::setup(
            "events",
            id,
            "sct streams no events: use --stats for the counters",
        ));
    }
    state::with_live(global.root, id, "events", &mut |st, _| {
        let mut data = Buf::<1024>::new();
        Live::open(&st.cgroups).stats(&mut data);
        let mut out = Buf::<2048>::from(b"{\"type\":\"stats\",\"id\":\"");
        push_escaped(&mut out, id);
        out.push(b"\",\"data\":").push(data.as_bytes()).push(b"}\n");
        out.write_to(crate::sys::stdout());
        Ok(())
    })
}
