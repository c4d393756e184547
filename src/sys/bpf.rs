//! Loading and attaching eBPF programs (the cgroup device program).

use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use syscalls::Sysno;

use super::{syscall, Errno};
use crate::ebpf::{Insn, BPF_PROG_ATTACH, BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE};

/// The BPF_PROG_LOAD member of `union bpf_attr` (include/uapi/linux/bpf.h)
/// up to `prog_flags`; the kernel zero-fills what a shorter attr leaves out.
#[repr(C)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
}

/// The BPF_PROG_ATTACH member of `union bpf_attr`, up to `attach_flags`.
#[repr(C)]
struct ProgAttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
}

/// Not needed by cgroup device programs, but no GPL-only helper can then
/// ever be refused for the license.
static LICENSE: &[u8] = b"GPL\0";

/// `bpf(BPF_PROG_LOAD)` (bpf(2)) of a BPF_PROG_TYPE_CGROUP_DEVICE program:
/// the verifier checks it and the kernel returns a close-on-exec fd for it.
/// Needs CAP_SYS_ADMIN (or CAP_BPF).
///
/// A non-empty `log` gets the verifier's log (level 1, NUL-terminated); the
/// kernel wants at least 128 bytes (EINVAL otherwise) and fails with ENOSPC
/// when the log does not fit, even for a good program, so load without a
/// log first and retry with one to explain a failure, as libbpf does.
pub fn prog_load_cgroup_device(insns: &[Insn], log: &mut [u8]) -> Result<OwnedFd, Errno> {
    let attr = ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: u32::try_from(insns.len()).map_err(|_| Errno::TOOBIG)?,
        insns: insns.as_ptr() as u64,
        license: LICENSE.as_ptr() as u64,
        log_level: u32::from(!log.is_empty()),
        log_size: u32::try_from(log.len()).map_err(|_| Errno::INVAL)?,
        log_buf: if log.is_empty() {
            0
        } else {
            log.as_mut_ptr() as u64
        },
        kern_version: 0,
        prog_flags: 0,
    };
    // SAFETY: `attr` is a valid prefix of `union bpf_attr` of the size
    // passed; its pointers are to `insns.len()` instructions laid out as
    // `struct bpf_insn`, to a NUL-terminated license and to `log.len()`
    // writable bytes, all of which outlive the call (the kernel copies the
    // program in and writes the log before returning).
    let fd = unsafe {
        syscall!(
            Sysno::bpf,
            BPF_PROG_LOAD,
            &attr as *const ProgLoadAttr,
            core::mem::size_of::<ProgLoadAttr>()
        )
    }?;
    // SAFETY: a successful BPF_PROG_LOAD returns a new fd that nothing else
    // owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `bpf(BPF_PROG_ATTACH)` (bpf(2)): runs `prog` for `cgroup` and its
/// descendants at `attach_type` (BPF_CGROUP_DEVICE for a device program).
/// With BPF_F_ALLOW_MULTI the programs already attached stay and every one
/// must allow. The attachment lives as long as the cgroup, not the fd.
pub fn prog_attach(
    cgroup: BorrowedFd,
    prog: BorrowedFd,
    attach_type: u32,
    flags: u32,
) -> Result<(), Errno> {
    let attr = ProgAttachAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_bpf_fd: prog.as_raw_fd() as u32,
        attach_type,
        attach_flags: flags,
    };
    // SAFETY: `attr` is a valid prefix of `union bpf_attr` of the size
    // passed, read by the kernel before the call returns; it holds no
    // pointers.
    unsafe {
        syscall!(
            Sysno::bpf,
            BPF_PROG_ATTACH,
            &attr as *const ProgAttachAttr,
            core::mem::size_of::<ProgAttachAttr>()
        )
    }
    .map(drop)
}
