//! OCI runtime mode: runc's command line (`create`, `start`, `state`, `kill`,
//! `delete`, `run`, `list`, `spec`) over the same container description and
//! the same parent and child checklists as `sct ROOTFS CMD`.
//!
//! `config` reads a bundle's config.json into a [`Config`]; `state` keeps
//! what outlives one command under `--root`; `lifecycle` holds the commands.
//! This file is the command line: runc's global options, then a command and
//! its flags, from one table that also writes each command's `--help`.
//! Errors end the command with exit status 1, as runc's do, and also go to
//! `--log` (as JSON lines with `--log-format json`: containerd shows the
//! last error line of that file to its user).
//!
//! [`Config`]: crate::cli::Config

use core::ffi::CStr;

use crate::error::{Error, Result};
use crate::out::Buf;
use crate::sys::args::{Args, CArg, Environ};
use packed::{names_len, Packed};

pub mod config;
mod events;
mod exec;
mod features;
mod freeze;
pub mod hooks;
mod lifecycle;
mod log;
mod packed;
mod ps;
mod report;
mod rootless;
mod spec;
mod state;
mod update;

/// runc's options that come before the command.
#[derive(Clone, Copy)]
pub struct Global {
    /// Where containers' state lives (`--root`).
    pub root: &'static CStr,
    pub log: Option<&'static CStr>,
    pub log_json: bool,
    /// `--debug`: each command's arguments and exit status go to the log
    /// (or stderr) at level `debug`.
    pub debug: bool,
}

/// A command's flags and arguments, as its parser found them.
#[derive(Default)]
pub struct Opts {
    pub bundle: CArg,
    pub pid_file: CArg,
    pub console_socket: CArg,
    pub detach: bool,
    pub force: bool,
    pub all: bool,
    pub json: bool,
    pub quiet: bool,
    /// `spec --rootless`.
    pub rootless: bool,
    /// Positional arguments: the container ID, then kill's signal.
    pub args: [CArg; 2],
    /// Other commands' flag values (`update`'s, `events`'), by the flag's
    /// place in its command's table (`keep_value`).
    pub values: [CArg; 10],
    /// Where exec's CMD starts in argv (0: none).
    pub rest: usize,
    pub exec: exec::ExecOpts,
}

/// `Command::args.1` of a command whose arguments after the first
/// required ones are a command line of their own (exec's CMD).
const REST: u8 = u8::MAX;

/// One command: its usage line, help line, the flags it takes, how many
/// arguments, and what runs it.
struct Command {
    /// The usage line (`create [FLAGS] ID`: the name, then what follows
    /// it), a newline, and the help line: one string, as a flag's `text`.
    text: &'static str,
    flags: &'static [Flag],
    /// Required and optional positional arguments (bytes: a pair of
    /// `usize` made each of the table's entries 8 bytes larger).
    args: (u8, u8),
    /// Whether it works on containers under `--root` (all but `spec` and
    /// `features`): only those look up an ordinary user's default root.
    /// (A byte where the entry had padding; a test of the name took 80.)
    uses_root: bool,
    run: fn(&Global, &Opts, Args, Environ) -> Result<u8>,
}

/// One flag: its names and help line, and what it sets.
struct Flag {
    /// The flag as `--help` shows it: the short name if it has one and
    /// the long name (`-b, --bundle`, or `--no-pivot`); then, if the flag
    /// takes a value, a space and the value's name (`"-b, --bundle DIR"`);
    /// then a newline and the help line. One string: a `&str` of its own
    /// for the value's name, or for the help line, took 16 bytes in each
    /// of the tables' entries, and the short name 8.
    text: &'static str,
    /// Sets what the flag says, given the flag's place in its command's
    /// table and its value.
    set: fn(&mut Opts, usize, &'static CStr),
}

/// A `Flag::set` that keeps the value in `Opts::values`, at the flag's
/// place: one function for every such flag, where each had a closure.
fn keep_value(o: &mut Opts, place: usize, v: &'static CStr) {
    o.values[place].set(v);
}

impl Flag {
    /// The long name alone, and whether the flag takes a value.
    fn name(&self) -> (&'static [u8], bool) {
        let long = self.long();
        let name = first_word(long);
        (name, name.len() < long.len())
    }

    /// The short name: the letter of a usage line that begins `-b, `.
    fn short(&self) -> Option<u8> {
        match lines(self.text).0 {
            [b'-', c, b',', ..] => Some(*c),
            _ => None,
        }
    }

    /// The long name with the value's name: `text`'s first line after
    /// the short name and the long name's `--`.
    fn long(&self) -> &'static [u8] {
        let usage = lines(self.text).0;
        let start = if self.short().is_some() { 6 } else { 2 };
        usage.get(start..).unwrap_or(b"")
    }
}

impl Command {
    /// The name, as its usage line begins. (Not a field of its own: 16
    /// bytes in each of the table's entries.)
    fn name(&self) -> &'static [u8] {
        first_word(self.usage())
    }

    /// The usage line: `text`'s first line.
    fn usage(&self) -> &'static [u8] {
        lines(self.text).0
    }
}

/// A `text` of a flag or command: its first line, and its second (the
/// help line).
fn lines(text: &'static str) -> (&'static [u8], &'static [u8]) {
    let text = text.as_bytes();
    match text.iter().position(|&c| c == b'\n') {
        Some(n) => (&text[..n], &text[n + 1..]),
        None => (text, b""),
    }
}

/// `s` up to its first space.
fn first_word(s: &'static [u8]) -> &'static [u8] {
    let end = s.iter().position(|&c| c == b' ').unwrap_or(s.len());
    &s[..end]
}

const BUNDLE: Flag = Flag {
    text: "-b, --bundle DIR\n\
           the bundle: config.json and the root it names (default: .)",
    set: |o, _, v| o.bundle.set(v),
};
const PID_FILE: Flag = Flag {
    text: "--pid-file FILE\n\
           write the container's pid to FILE",
    set: |o, _, v| o.pid_file.set(v),
};
const CONSOLE_SOCKET: Flag = Flag {
    text: "--console-socket SOCKET\n\
           unix socket for a terminal's master (process.terminal)",
    set: |o, _, v| o.console_socket.set(v),
};
const NO_PIVOT: Flag = Flag {
    text: "--no-pivot\n\
           accepted for runc's callers: sct picks pivot_root or its fallback itself",
    set: |_, _, _| {},
};
const NO_NEW_KEYRING: Flag = Flag {
    text: "--no-new-keyring\n\
           accepted for runc's callers: sct makes no session keyring",
    set: |_, _, _| {},
};
const DETACH: Flag = Flag {
    text: "-d, --detach\n\
           return once the container has started",
    set: |o, _, _| o.detach = true,
};
const FORCE: Flag = Flag {
    text: "-f, --force\n\
           kill the container first if it still runs",
    set: |o, _, _| o.force = true,
};
const ALL: Flag = Flag {
    text: "-a, --all\n\
           signal every process of the container, not only its first",
    set: |o, _, _| o.all = true,
};
const FORMAT: Flag = Flag {
    text: "-f, --format table|json\n\
           output format (default: table)",
    set: |o, _, v| o.json = v.to_bytes() == b"json",
};
const QUIET: Flag = Flag {
    text: "-q, --quiet\n\
           print only the IDs",
    set: |o, _, _| o.quiet = true,
};

const ROOTLESS: Flag = Flag {
    text: "--rootless\n\
           for an ordinary user: a user namespace mapping you to root, the host's /sys, no resources",
    set: |o, _, _| o.rootless = true,
};

const COMMANDS: &[Command] = &[
    Command {
        text: "create [FLAGS] ID\n\
               set a container up from a bundle and leave it waiting for start",
        flags: &[BUNDLE, PID_FILE, CONSOLE_SOCKET, NO_PIVOT, NO_NEW_KEYRING],
        args: (1, 0),
        uses_root: true,
        run: lifecycle::create,
    },
    Command {
        text: "start ID\n\
               run the command of a created container",
        flags: &[],
        args: (1, 0),
        uses_root: true,
        run: lifecycle::start,
    },
    Command {
        text: "run [FLAGS] ID\n\
               create and start a container; wait for it unless --detach",
        flags: &[
            BUNDLE,
            PID_FILE,
            CONSOLE_SOCKET,
            DETACH,
            NO_PIVOT,
            NO_NEW_KEYRING,
        ],
        args: (1, 0),
        uses_root: true,
        run: lifecycle::run,
    },
    Command {
        text: "exec [FLAGS] ID [CMD [ARG...]]\n\
               run a new process in a running container",
        flags: exec::FLAGS,
        args: (1, REST),
        uses_root: true,
        run: exec::exec,
    },
    Command {
        text: "state ID\n\
               print a container's state as JSON",
        flags: &[],
        args: (1, 0),
        uses_root: true,
        run: report::state,
    },
    Command {
        text: "kill [FLAGS] ID [SIGNAL]\n\
               send SIGNAL (name or number; default: TERM) to a container",
        flags: &[ALL],
        args: (1, 1),
        uses_root: true,
        run: lifecycle::kill,
    },
    Command {
        text: "delete [FLAGS] ID\n\
               remove a stopped (or created) container and its cgroup",
        flags: &[FORCE],
        args: (1, 0),
        uses_root: true,
        run: lifecycle::delete,
    },
    Command {
        text: "list [FLAGS]\n\
               list the containers under --root",
        flags: &[FORMAT, QUIET],
        args: (0, 0),
        uses_root: true,
        run: report::list,
    },
    Command {
        text: "ps [--format table|json] ID\n\
               list the pids of a container's processes",
        flags: &[FORMAT],
        args: (1, 1),
        uses_root: true,
        run: ps::ps,
    },
    Command {
        text: "pause ID\n\
               freeze every process of a container",
        flags: &[],
        args: (1, 0),
        uses_root: true,
        run: freeze::pause,
    },
    Command {
        text: "resume ID\n\
               thaw a paused container",
        flags: &[],
        args: (1, 0),
        uses_root: true,
        run: freeze::resume,
    },
    Command {
        text: "update [FLAGS] ID\n\
               change a container's resource limits",
        flags: update::FLAGS,
        args: (1, 0),
        uses_root: true,
        run: update::update,
    },
    Command {
        text: "events --stats ID\n\
               print a container's cgroup counters as runc's stats event",
        flags: events::FLAGS,
        args: (1, 0),
        uses_root: true,
        run: events::events,
    },
    Command {
        text: "features\n\
               print the runtime-spec features JSON: what sct supports",
        flags: &[],
        args: (0, 0),
        uses_root: false,
        run: features::features,
    },
    Command {
        text: "spec [FLAGS]\n\
               write a config.json that describes sct's defaults",
        flags: &[BUNDLE, ROOTLESS],
        args: (0, 0),
        uses_root: false,
        run: report::spec,
    },
];

/// runc's global options, as the parser tells them apart.
#[derive(Clone, Copy)]
enum GlobalOption {
    Root,
    Log,
    LogFormat,
    Debug,
    SystemdCgroup,
    /// Accepted and left alone: sct tells for itself.
    Rootless,
}

/// runc's global options: the name and which it is (one lookup by name,
/// then a match on the option, where a match on the name compared its
/// text again), packed in `GLOBAL_OPTIONS`.
const GLOBALS: &[(&str, GlobalOption)] = &[
    ("root", GlobalOption::Root),
    ("log", GlobalOption::Log),
    ("log-format", GlobalOption::LogFormat),
    ("debug", GlobalOption::Debug),
    ("systemd-cgroup", GlobalOption::SystemdCgroup),
    ("rootless", GlobalOption::Rootless),
];

static GLOBAL_OPTIONS: Packed<GlobalOption, { names_len(GLOBALS) }, { GLOBALS.len() }> =
    Packed::new(GLOBALS);

impl GlobalOption {
    fn takes_value(self) -> bool {
        !matches!(self, GlobalOption::Debug | GlobalOption::SystemdCgroup)
    }
}

/// The default `--root`: where runc keeps its own (`/run/runc`); an
/// ordinary user's is under XDG_RUNTIME_DIR (rootless.rs).
pub const DEFAULT_ROOT: &CStr = c"/run/sct";

/// Runs argv as runc's command line, or returns `None` when it is not one
/// (then it is `sct [OPTIONS] ROOTFS CMD`): the first word after runc's
/// global options must name a command. A ROOTFS that is named like one is
/// written `./run`. Out of line: what the OCI commands keep on the stack
/// stays out of the plain command line's supervisor (sys/stack.rs).
#[inline(never)]
pub fn main(args: Args, env: Environ) -> Option<u8> {
    let mut global = Global {
        root: DEFAULT_ROOT,
        log: None,
        log_json: false,
        debug: false,
    };
    let mut i = 1;
    let mut systemd = false;
    let mut root_given = false;
    while i < args.len() {
        let arg = args.get(i).to_bytes();
        let Some((name, inline)) = flag_name(arg) else {
            break;
        };
        let Some(option) = GLOBAL_OPTIONS.get(name) else {
            break;
        };
        let value = if !option.takes_value() {
            None
        } else if let Some(at) = inline {
            Some(crate::cli::tail(args.get(i), at))
        } else {
            i += 1;
            if i >= args.len() {
                return Some(fail(&global, missing_value(name)));
            }
            Some(args.get(i))
        };
        match (option, value) {
            (GlobalOption::Root, Some(v)) => {
                global.root = v;
                root_given = true;
            }
            (GlobalOption::Log, Some(v)) => global.log = Some(v),
            (GlobalOption::LogFormat, Some(v)) => global.log_json = v.to_bytes() == b"json",
            (GlobalOption::SystemdCgroup, _) => systemd = true,
            (GlobalOption::Debug, _) => global.debug = true,
            _ => {}
        }
        i += 1;
    }
    let word = (i < args.len()).then(|| args.get(i).to_bytes());
    let Some(cmd) = word.and_then(|w| COMMANDS.iter().find(|c| c.name() == w)) else {
        // Global options but no command: runc's line after all.
        if i > 1 {
            return Some(fail(
                &global,
                Error::usage_line("missing command after runc's global options"),
            ));
        }
        return None;
    };
    if systemd {
        return Some(fail(
            &global,
            Error::usage_line(
                "--systemd-cgroup is not supported: sct manages cgroupfs paths itself",
            ),
        ));
    }
    let mut opts = Opts::default();
    match parse_command(cmd, &args, i + 1, &mut opts) {
        Ok(true) => {}
        Ok(false) => {
            print_help(cmd);
            return Some(0);
        }
        Err(e) => return Some(fail(&global, e)),
    };
    if !root_given && cmd.uses_root && crate::userns::is_rootless() {
        global.root = match rootless::default_root(env) {
            Ok(root) => root,
            Err(e) => return Some(fail(&global, e)),
        };
    }
    if global.debug {
        let mut line = Buf::<2048>::from(b"command:");
        for k in i..args.len() {
            line.push(b" ").push(args.get(k).to_bytes());
        }
        log::debug(&global, line.as_bytes());
    }
    let code = match (cmd.run)(&global, &opts, args, env) {
        Ok(code) => code,
        Err(e) => fail(&global, e),
    };
    if global.debug {
        let mut line = Buf::<64>::from(b"exit status ");
        line.push_u64(code.into());
        log::debug(&global, line.as_bytes());
    }
    Some(code)
}

/// `--name`, `-name` or `--name=value` (runc accepts one dash or two):
/// the name, and where an inline value starts.
fn flag_name(arg: &[u8]) -> Option<(&[u8], Option<usize>)> {
    let dashes = if arg.starts_with(b"--") { 2 } else { 1 };
    if arg.len() <= dashes || arg[0] != b'-' {
        return None;
    }
    let name = &arg[dashes..];
    Some(match name.iter().position(|&c| c == b'=') {
        Some(eq) => (&name[..eq], Some(dashes + eq + 1)),
        None => (name, None),
    })
}

fn missing_value(name: &[u8]) -> Error {
    Error::usage("option '--", name, "' needs a value")
}

/// Parses a command's flags and arguments, in any order, into `opts`;
/// false for `--help`.
fn parse_command(cmd: &Command, args: &Args, first: usize, opts: &mut Opts) -> Result<bool> {
    let mut count = 0;
    let mut i = first;
    let mut flags_done = false;
    while i < args.len() {
        let raw = args.get(i);
        let arg = raw.to_bytes();
        i += 1;
        if !flags_done && arg == b"--" {
            flags_done = true;
            continue;
        }
        if let (false, Some((name, inline))) = (flags_done, flag_name(arg)) {
            if name == b"help" || name == b"h" {
                return Ok(false);
            }
            let single = arg.len() == 2;
            let place = cmd
                .flags
                .iter()
                .position(|f| f.name().0 == name || (single && f.short() == Some(name[0])));
            let Some(place) = place else {
                return Err(Error::usage("unknown flag '", arg, "'"));
            };
            let flag = &cmd.flags[place];
            let (long, takes) = flag.name();
            let value = match (takes, inline) {
                (false, None) => c"",
                (false, Some(_)) => return Err(Error::usage("flag '--", long, "' takes no value")),
                (true, Some(at)) => crate::cli::tail(raw, at),
                (true, None) if i < args.len() => {
                    i += 1;
                    args.get(i - 1)
                }
                (true, None) => return Err(missing_value(long)),
            };
            (flag.set)(opts, place, value);
            continue;
        }
        // CMD's own flags are its own: parsing stops at it, as runc's.
        if cmd.args.1 == REST && count == usize::from(cmd.args.0) {
            opts.rest = i - 1;
            break;
        }
        if count == usize::from(cmd.args.0) + usize::from(cmd.args.1) {
            return Err(Error::usage("unexpected argument '", arg, "'"));
        }
        opts.args[count].set(raw);
        count += 1;
    }
    if count < usize::from(cmd.args.0) {
        return Err(Error::usage(
            "missing container ID: usage: sct ",
            cmd.usage(),
            "",
        ));
    }
    if let Some(id) = opts.args[0].get() {
        if cmd.args.0 > 0 {
            check_id(id.to_bytes())?;
        }
    }
    Ok(true)
}

/// Whether `s` holds the byte `c`. A plain loop, as cgroup::values' (not
/// `[u8]::contains`, which brings core's 0.2 KB word-at-a-time search).
#[allow(clippy::manual_contains)]
pub(crate) fn has_byte(s: &[u8], c: u8) -> bool {
    s.iter().any(|&b| b == c)
}

/// runc's rule for container IDs: letters, digits, `_+-.`, not `.` or
/// `..`: an ID names a directory under `--root`.
fn check_id(id: &[u8]) -> Result<()> {
    let ok = |c: &u8| c.is_ascii_alphanumeric() || has_byte(b"_+-.", *c);
    if id.is_empty() || id == b"." || id == b".." || !id.iter().all(ok) || id.len() > 200 {
        return Err(Error::usage(
            "invalid container ID '",
            id,
            "': letters, digits and _+-. only",
        ));
    }
    Ok(())
}

/// Prints a command's `--help`. Out of line, with its buffer: `main`'s
/// frame holds none of it, and so its locals stay nearer.
#[inline(never)]
fn print_help(cmd: &Command) {
    let mut b = Buf::<2048>::new();
    let (usage, help) = lines(cmd.text);
    b.push(b"Usage: sct [GLOBAL OPTIONS] ").push(usage);
    b.push(b"\n\n").push(help).push(b"\n");
    if !cmd.flags.is_empty() {
        b.push(b"\nFlags:\n");
    }
    for f in cmd.flags {
        let start = b.as_bytes().len();
        let (usage, help) = lines(f.text);
        let indent: &[u8] = if f.short().is_some() {
            b"  "
        } else {
            b"      "
        };
        b.push(indent).push(usage);
        for _ in b.as_bytes().len() - start..30 {
            b.push(b" ");
        }
        b.push(b" ").push(help).push(b"\n");
    }
    b.write_to(crate::sys::stdout());
}

/// The lines `sct --help` adds for OCI mode.
pub fn help(b: &mut Buf<4096>) {
    b.push(b"\nOCI runtime mode (runc's command line, for containerd):\n");
    b.push(b"  sct [--root DIR] [--log FILE] [--log-format text|json] COMMAND ...\n");
    for c in COMMANDS {
        // A column wide enough for the longest name and a space.
        b.push(b"  ").push(c.name());
        for _ in c.name().len()..9 {
            b.push(b" ");
        }
        b.push(lines(c.text).1).push(b"\n");
    }
    b.push(b"  (sct COMMAND --help for its flags)\n");
}

/// Reports `e` on stderr and in the log; runc's exit status for a failed
/// command is 1.
fn fail(global: &Global, e: Error) -> u8 {
    log::report(global, e, "error");
    1
}
