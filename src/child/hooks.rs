//! OCI's hooks that run in the container: createContainer and
//! startContainer (`oci::hooks` runs them; a plain `sct ROOTFS CMD` has
//! none). The pid on their stdin is the init's in its own PID namespace,
//! as seen by the container (runtime.md, "State").

use rustix::fd::OwnedFd;

use crate::cli::Config;
use crate::error::Result;
use crate::oci::hooks::{self, Kind};
use crate::out::Line;
use crate::sync::ChildEnd;

fn own_pid() -> u32 {
    rustix::process::getpid().as_raw_nonzero().get() as u32
}

/// Waits while sct runs the prestart and createRuntime hooks, if there are
/// any (parent/mod.rs), then runs the createContainer hooks: the mount
/// namespace is the container's, its mounts made, the host's tree still
/// at `/`.
pub fn run_create_container_hooks(cfg: &Config, channel: &mut ChildEnd) -> Result<()> {
    let plan = cfg.hooks;
    // EOF: sct is gone, or a hook failed and sct kills us.
    if hooks::has_runtime_hooks(&plan) && !channel.ready_and_wait() {
        crate::sys::process::exit(crate::error::EXIT_SCT_FAILED);
    }
    hooks::run(plan.hooks, Kind::CreateContainer, plan.state, own_pid())
}

/// startContainer, with `started`, the exec FIFO's writer, open: `start`
/// waits for it to close, and reads there why a hook failed, which is
/// then `start`'s error. Closed before CMD's exec, so that `start` (and
/// its poststart hooks) goes on while CMD starts. The hooks run as CMD
/// will, with its user, capabilities and no_new_privs (as under runc),
/// but without its seccomp filter, which comes last of all.
pub fn run_start_container_hooks(cfg: &Config, started: OwnedFd) -> Result<()> {
    let plan = cfg.hooks;
    let result = hooks::run(plan.hooks, Kind::StartContainer, plan.state, own_pid());
    if let Err(e) = &result {
        let mut line = Line::new();
        e.render(&mut line);
        let _ = rustix::io::write(&started, line.as_bytes());
    }
    result
}
