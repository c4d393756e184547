//! OCI runtime mode.

pub mod config;
