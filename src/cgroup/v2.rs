//! cgroup v2: one directory for every controller v2 has (on a hybrid host
//! possibly none: then it only tracks the container's processes).

use rustix::fd::OwnedFd;

use super::values::{self, Limits};
use super::{
    make_dir, open_dir, read_number, write_at, write_number, Controllers, Dir, Path, CPU, CPUSET,
    DEVICES, FREEZER, MEMORY, NAMES, PIDS,
};
use crate::devices::Rule;
use crate::ebpf;
use crate::error::{Context, Result};
use crate::out::Text;
use crate::sys::bpf;
use crate::sys::Errno;

/// Enables the controllers in the parent's `cgroup.subtree_control`, then
/// creates the directory and writes the limits.
pub(super) fn create(
    base: &Path,
    name: &Text,
    controllers: Controllers,
    limits: &Limits,
) -> Result<Dir> {
    let enable = enable_list(controllers);
    // The kernel's "no internal processes" rule: a non-root cgroup with
    // processes of its own cannot hand controllers to its children.
    if !enable.is_empty() {
        let parent = open_dir(None, base.as_bytes()).at("open cgroup", base.as_bytes())?;
        write_at(&parent, b"cgroup.subtree_control", enable.as_bytes()).map_err(|e| {
            e.hint_if(Errno::BUSY, "sct's cgroup has processes of its own (cgroup v2 'no internal processes' rule); pass --cgroup-parent with a cgroup that has none")
                .hint_if(Errno::NOENT, "the parent cgroup does not have this controller; pass --cgroup-parent")
        })?;
    }
    let (parent, fd) = make_dir(base, name)?;
    let dir = Dir {
        parent,
        fd,
        v2: true,
        controllers,
        tasks: None,
    };
    // From here on, dropping `dir` alone would leak it: the caller owns the
    // clean-up through Cgroup, so write the limits with it removed on error.
    if let Err(e) = write_limits(&dir.fd, controllers, limits) {
        super::remove_dir(&dir.parent, name.as_bytes());
        return Err(e);
    }
    Ok(dir)
}

/// `+memory +pids ...`: what `cgroup.subtree_control` takes to hand
/// `controllers` to a child.
pub(super) fn enable_list(controllers: Controllers) -> Text {
    let mut enable = Text::new();
    // The device rule is a BPF program, and the freezer is in every
    // directory: neither is a controller to enable.
    for &(bit, ctrl) in &NAMES {
        if controllers.has(bit) && bit != DEVICES && bit != FREEZER {
            if !enable.is_empty() {
                enable.push(b" ");
            }
            enable.push(b"+").push_str(ctrl);
        }
    }
    enable
}

pub(super) fn write_limits(fd: &OwnedFd, controllers: Controllers, l: &Limits) -> Result<()> {
    if controllers.has(MEMORY) {
        if let Some(m) = l.memory {
            write_number(fd, b"memory.max", m)?;
            if let Some(s) = l.memory_swap {
                let mut v = Text::new();
                values::format_swap_max(m, s, &mut v);
                write_at(fd, b"memory.swap.max", v.as_bytes())?;
            }
        }
    }
    if let (true, Some(r)) = (controllers.has(MEMORY), l.memory_reservation()) {
        write_number(fd, b"memory.low", r)?;
    }
    if let (true, Some(p)) = (controllers.has(PIDS), l.pids) {
        write_number(fd, b"pids.max", p)?;
    }
    if let (true, Some(q)) = (controllers.has(CPU), l.cpu_quota_us) {
        let mut v = Text::new();
        values::format_cpu_max(q, &mut v);
        write_at(fd, b"cpu.max", v.as_bytes())?;
    }
    if let (true, Some(s)) = (controllers.has(CPU), l.cpu_shares()) {
        write_number(fd, b"cpu.weight", values::cpu_weight(s))?;
    }
    if let (true, Some(c)) = (controllers.has(CPUSET), l.cpuset_cpus) {
        write_at(fd, b"cpuset.cpus", c)?;
    }
    if let (true, Some(m)) = (controllers.has(CPUSET), l.cpuset_mems()) {
        write_at(fd, b"cpuset.mems", m)?;
    }
    Ok(())
}

/// Attaches the device rule to the container's directory `fd`, as a
/// BPF_PROG_TYPE_CGROUP_DEVICE program, where it stays until the directory
/// is removed (the attachment holds the program; our fd goes). The program
/// is the one a sibling container already runs when it is the same
/// (`loaded_by_sibling`), else loaded here.
///
/// Out of line: the assembler and the program (35 KB) inlined into the
/// parent's `spawn_and_release` made its frame 64 KB, every page of which
/// the stack probes touched on each start, with or without a cgroup.
#[inline(never)]
pub(super) fn attach_device_rule(
    parent: &OwnedFd,
    fd: &OwnedFd,
    name: &[u8],
    devices: &[Rule],
) -> Result<()> {
    let mut program = crate::ebpf::Program::new();
    crate::devices::program(&mut program, devices)
        .map_err(|_| crate::error::Error::setup("device rule", b"", "too many rules"))?;
    let prog = match loaded_by_sibling(parent, name, program.insns()) {
        Some(prog) => prog,
        None => bpf::prog_load_cgroup_device(program.insns(), &mut [])
            .at("load device rule", b"BPF_PROG_TYPE_CGROUP_DEVICE")
            .map_err(|e| {
                e.hint_if(
                    Errno::INVAL,
                    "this kernel cannot run cgroup device programs (CONFIG_CGROUP_BPF)",
                )
            })?,
    };
    // ALLOW_MULTI, as runc attaches: a program the host's manager (systemd)
    // put on a cgroup above stays, and a device must pass both.
    bpf::prog_attach(
        rustix::fd::AsFd::as_fd(fd),
        rustix::fd::AsFd::as_fd(&prog),
        ebpf::BPF_CGROUP_DEVICE,
        ebpf::BPF_F_ALLOW_MULTI,
    )
    .at("attach device rule", b"BPF_CGROUP_DEVICE")
}

/// The device program a running sibling (another `sct-<pid>` in `parent`)
/// has attached, if its instructions are `insns`. Loading costs the
/// verifier's walk, the JIT and, once the container is gone, a kworker's
/// freeing; with 8 containers at once on 2 cores, sharing raised the
/// containers started per second by about 4% (bench/speed.md, section 14).
/// Attached twice, a program is one object: each attachment holds a
/// reference, so it outlives whichever container ends first and goes with
/// the last.
///
/// Trust: what is compared is the kernel's copy of the instructions (as
/// the verifier left them), not a name or a file, so a match runs exactly
/// our rule. Only the first sibling with a device program is compared, to
/// bound the cost when none matches (other `--device` rules, or a kernel
/// that rewrote the program). Without CAP_SYS_ADMIN the query or the
/// lookup by ID is refused, and the rule is loaded as before.
fn loaded_by_sibling(parent: &OwnedFd, own: &[u8], insns: &[ebpf::Insn]) -> Option<OwnedFd> {
    // Some(None): the first sibling with a program was compared, and
    // differs (or its program could not be read): load.
    super::paths::find_sct_dir(parent, |name, _| {
        if name == own {
            return None;
        }
        // Gone since the listing: its container ended.
        let sibling = open_dir(Some(parent), name).ok()?;
        let mut ids = [0u32; 1];
        let sibling = rustix::fd::AsFd::as_fd(&sibling);
        match bpf::prog_query(sibling, ebpf::BPF_CGROUP_DEVICE, &mut ids) {
            Ok(1) => {}
            // Not attached yet (its sct is still setting up), or more than
            // sct attaches.
            Ok(_) | Err(Errno::NOSPC) => return None,
            Err(_) => return Some(None),
        }
        // The sibling may end between the query and here: then the ID
        // names nothing (ENOENT), or a later program, which the comparison
        // below refuses.
        let Ok(prog) = bpf::prog_get_fd_by_id(ids[0]) else {
            return Some(None);
        };
        let same = bpf::prog_is(rustix::fd::AsFd::as_fd(&prog), insns).unwrap_or(false);
        Some(same.then_some(prog))
    })
    .flatten()
}

/// `cgroup.kill` (Linux 5.14): kills every process inside at once. False
/// where the file does not exist.
pub(super) fn kill_all(fd: &OwnedFd) -> bool {
    write_at(fd, b"cgroup.kill", b"1").is_ok()
}

/// `oom_kill` in `memory.events`.
pub(super) fn oom_killed(fd: &OwnedFd) -> bool {
    read_number(fd, b"memory.events", Some(b"oom_kill")).unwrap_or(0) > 0
}
