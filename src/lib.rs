//! sct: run a command inside a root directory, isolated by the kernel's own
//! namespaces, from one small static binary.
//!
//! The setup order lives in two checklists: [`parent::run`] (what the
//! process outside the container does) and [`child::run`] (what the process
//! that becomes the container does, from clone to exec).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod cgroup;
pub mod child;
pub mod cli;
pub mod error;
pub mod out;
pub mod parent;
pub mod sync;
pub mod sys;

use cli::Command;
use sys::args::{Args, Environ};

/// The whole program: the only place where an error becomes an exit code.
pub fn main(args: Args, env: Environ) -> u8 {
    let result = match cli::parse(&args) {
        Ok(Command::Help) => {
            cli::help().write_to(sys::stdout());
            return 0;
        }
        Ok(Command::Version) => {
            out::Line::from(concat!("sct ", env!("CARGO_PKG_VERSION"), "\n").as_bytes()).write_to(sys::stdout());
            return 0;
        }
        Ok(Command::Run(cfg)) => parent::run(&cfg, args, env),
        Err(e) => Err(e),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let mut line = out::Line::new();
            e.render(&mut line);
            line.write_to(sys::stderr());
            e.exit_code()
        }
    }
}
