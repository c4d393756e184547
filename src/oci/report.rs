//! The commands that describe containers without changing them: `state`
//! and `list`, from the state files; `spec`, sct's defaults as config.json.

use rustix::fs::{Mode, OFlags};

use super::lifecycle::id;
use super::state::{self, Dir, Room, State, Status};
use super::{Global, Opts};
use crate::error::{Context, Result};
use crate::out::{write_all, Buf};
use crate::sys::args::{Args, Environ};

/// `state`: runtime-spec's state JSON.
pub fn state(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let id = id(opts);
    let mut room = Room::new();
    let mut st = State::empty();
    let (_dir, status) = state::open(global.root, id, &mut room, &mut st)?;
    let mut out = Buf::<16384>::new();
    push_state(&mut out, &st, status, id, None);
    out.push(b"\n");
    out.write_to(crate::sys::stdout());
    Ok(0)
}

/// `owner`: the state directory whose owner `list` names; `state` and the
/// hooks' state leave it empty, as runc's do.
pub(super) fn push_state(
    out: &mut Buf<16384>,
    st: &State,
    status: Status,
    id: &[u8],
    owner: Option<&Dir>,
) {
    use crate::json::push_escaped;
    let pid = if status == Status::Stopped { 0 } else { st.pid };
    state::push_head(out, id, pid);
    out.push(b",\"status\":\"")
        .push_str(status.name())
        .push(b"\"");
    state::push_places(out, st);
    out.push(b",\"owner\":\"");
    if let Some(dir) = owner {
        push_escaped(out, owner_of(dir).as_bytes());
    }
    out.push(b"\",\"annotations\":");
    out.push(if st.annotations.is_empty() {
        b"{}"
    } else {
        st.annotations
    });
    out.push(b"}");
}

/// `list`: a table (runc's columns), the IDs alone, or a JSON array of
/// states.
pub fn list(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let root = rustix::fs::open(
        global.root,
        OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    );
    let root = match root {
        Ok(fd) => Some(fd),
        Err(rustix::io::Errno::NOENT) => None,
        Err(e) => return Err(e).at("open", global.root.to_bytes()),
    };
    let stdout = crate::sys::stdout();
    if opts.json {
        write_all(stdout, b"[");
    } else if !opts.quiet {
        write_all(stdout, b"ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n");
    }
    let mut first = true;
    let mut dirbuf = [core::mem::MaybeUninit::<u8>::uninit(); 4096];
    let mut entries = root
        .as_ref()
        .map(|fd| rustix::fs::RawDir::new(fd, &mut dirbuf));
    while let Some(Some(Ok(entry))) = entries.as_mut().map(|d| d.next()) {
        let name = entry.file_name().to_bytes();
        if name.starts_with(b".") || super::check_id(name).is_err() {
            continue;
        }
        let mut room = Room::new();
        let mut st = State::empty();
        let Ok((dir, status)) = state::open(global.root, name, &mut room, &mut st) else {
            continue;
        };
        let mut out = Buf::<16384>::new();
        if opts.json {
            if !first {
                out.push(b",");
            }
            push_state(&mut out, &st, status, name, Some(&dir));
        } else if opts.quiet {
            out.push(name).push(b"\n");
        } else {
            let pid = if status == Status::Stopped { 0 } else { st.pid };
            out.push(name)
                .push(b"\t")
                .push_u64(u64::from(pid))
                .push(b"\t");
            out.push_str(status.name())
                .push(b"\t")
                .push(st.bundle)
                .push(b"\t");
            out.push(st.created).push(b"\t");
            out.push(owner_of(&dir).as_bytes()).push(b"\n");
        }
        first = false;
        out.write_to(stdout);
    }
    if opts.json {
        write_all(stdout, b"]\n");
    }
    Ok(0)
}

/// The owner of a container's state directory, as runc's list gives it:
/// the user's name, else `#UID`. Returned, not pushed: one copy for the
/// table and the JSON.
fn owner_of(dir: &Dir) -> Buf<64> {
    let uid = rustix::fs::fstat(dir.lock_fd()).map_or(0, |s| s.st_uid);
    let name = crate::userns::user_name(uid);
    if !name.is_empty() && !name.is_cut() {
        return name;
    }
    let mut number = Buf::<64>::from(b"#");
    number.push_u64(u64::from(uid));
    number
}

/// `spec`: writes config.json describing sct's defaults.
pub fn spec(_: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let mut path = Buf::<1100>::new();
    path.push(opts.bundle.bytes_or(b"."))
        .push(b"/config.json\0");
    let caller = opts.rootless.then(|| super::spec::Caller {
        uid: rustix::process::geteuid().as_raw(),
        gid: rustix::process::getegid().as_raw(),
    });
    let mut text = super::spec::Text::new();
    super::spec::default_spec(caller, &mut text);
    let fd = rustix::fs::open(
        path.as_c_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .at("create", &path.as_bytes()[..path.as_bytes().len() - 1])
    .map_err(|e| e.hint_if(crate::sys::Errno::EXIST, "remove the old config.json first"))?;
    crate::out::write_whole(rustix::fd::AsFd::as_fd(&fd), text.as_bytes())
        .at("write", b"config.json")?;
    Ok(0)
}
