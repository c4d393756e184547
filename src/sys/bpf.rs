//! Loading and attaching eBPF programs (the cgroup device program).

use rustix::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use syscalls::Sysno;

use super::{syscall, Errno};
use crate::ebpf::{
    Insn, BPF_OBJ_GET_INFO_BY_FD, BPF_PROG_ATTACH, BPF_PROG_GET_FD_BY_ID, BPF_PROG_LOAD,
    BPF_PROG_QUERY, BPF_PROG_TYPE_CGROUP_DEVICE,
};

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

/// The BPF_PROG_QUERY member of `union bpf_attr`, up to `prog_cnt`.
#[repr(C)]
struct ProgQueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    pad: u32,
}

/// The BPF_PROG_GET_FD_BY_ID member of `union bpf_attr`.
#[repr(C)]
struct GetFdByIdAttr {
    prog_id: u32,
    next_id: u32,
    open_flags: u32,
}

/// The BPF_OBJ_GET_INFO_BY_FD member of `union bpf_attr`.
#[repr(C)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// `struct bpf_prog_info` up to `xlated_prog_insns`; the kernel fills no
/// more than the length it is given.
#[repr(C)]
#[derive(Default)]
struct ProgInfo {
    prog_type: u32,
    id: u32,
    tag: [u8; 8],
    jited_prog_len: u32,
    xlated_prog_len: u32,
    jited_prog_insns: u64,
    xlated_prog_insns: u64,
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

/// `bpf(BPF_PROG_QUERY)` (bpf(2)): the IDs of the programs attached to
/// `cgroup` itself at `attach_type`, into `ids`; returns how many there
/// are. ENOSPC when `ids` holds fewer.
pub fn prog_query(cgroup: BorrowedFd, attach_type: u32, ids: &mut [u32]) -> Result<usize, Errno> {
    let mut attr = ProgQueryAttr {
        target_fd: cgroup.as_raw_fd() as u32,
        attach_type,
        query_flags: 0,
        attach_flags: 0,
        prog_ids: ids.as_mut_ptr() as u64,
        prog_cnt: u32::try_from(ids.len()).map_err(|_| Errno::INVAL)?,
        pad: 0,
    };
    // SAFETY: `attr` is a valid prefix of `union bpf_attr` of the size
    // passed; the kernel writes at most `prog_cnt` IDs to `ids`, which
    // holds that many, and the count back into `attr`, both alive for the
    // call.
    unsafe {
        syscall!(
            Sysno::bpf,
            BPF_PROG_QUERY,
            &mut attr as *mut ProgQueryAttr,
            core::mem::size_of::<ProgQueryAttr>()
        )
    }?;
    Ok(attr.prog_cnt as usize)
}

/// `bpf(BPF_PROG_GET_FD_BY_ID)` (bpf(2)): a close-on-exec fd for the loaded
/// program `id`, which it then keeps alive. Needs CAP_SYS_ADMIN.
pub fn prog_get_fd_by_id(id: u32) -> Result<OwnedFd, Errno> {
    let attr = GetFdByIdAttr {
        prog_id: id,
        next_id: 0,
        open_flags: 0,
    };
    // SAFETY: `attr` is a valid prefix of `union bpf_attr` of the size
    // passed, read before the call returns; it holds no pointers.
    let fd = unsafe {
        syscall!(
            Sysno::bpf,
            BPF_PROG_GET_FD_BY_ID,
            &attr as *const GetFdByIdAttr,
            core::mem::size_of::<GetFdByIdAttr>()
        )
    }?;
    // SAFETY: a successful BPF_PROG_GET_FD_BY_ID returns a new fd that
    // nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `bpf(BPF_OBJ_GET_INFO_BY_FD)` (bpf(2)) of a program: whether it is a
/// cgroup device program whose instructions, as the verifier left them
/// (`xlated`), are `insns`. False too where the kernel withholds them
/// (kernel.kptr_restrict, bpf_dump_raw_ok()), and for a program longer
/// than `COMPARED` instructions (the default rule has 91).
pub fn prog_is(prog: BorrowedFd, insns: &[Insn]) -> Result<bool, Errno> {
    const COMPARED: usize = 256;
    if insns.len() > COMPARED {
        return Ok(false);
    }
    let mut xlated = [Insn::new(0, crate::ebpf::R0, crate::ebpf::R0, 0, 0); COMPARED];
    let want = core::mem::size_of_val(insns);
    let mut info = ProgInfo {
        xlated_prog_len: u32::try_from(want).map_err(|_| Errno::TOOBIG)?,
        xlated_prog_insns: xlated.as_mut_ptr() as u64,
        ..ProgInfo::default()
    };
    let attr = InfoAttr {
        bpf_fd: prog.as_raw_fd() as u32,
        info_len: core::mem::size_of::<ProgInfo>() as u32,
        info: &mut info as *mut ProgInfo as u64,
    };
    // SAFETY: `attr` is a valid prefix of `union bpf_attr` of the size
    // passed; it points to `info`, `info_len` bytes laid out as the
    // kernel's `struct bpf_prog_info`, which the kernel overwrites; `info`
    // points to `xlated`, of which the kernel writes at most the
    // `xlated_prog_len` bytes asked for (`want`, which `xlated` holds:
    // `insns` is no longer than COMPARED). All outlive the call.
    unsafe {
        syscall!(
            Sysno::bpf,
            BPF_OBJ_GET_INFO_BY_FD,
            &attr as *const InfoAttr,
            core::mem::size_of::<InfoAttr>()
        )
    }?;
    Ok(info.prog_type == BPF_PROG_TYPE_CGROUP_DEVICE
        && info.xlated_prog_len as usize == want
        && info.xlated_prog_insns != 0
        && xlated.get(..insns.len()) == Some(insns))
}
