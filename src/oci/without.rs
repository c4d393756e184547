//! sct built without OCI mode (`--no-default-features`): what the
//! checklists call of it, doing nothing, since no container has hooks.

pub mod hooks {
    use crate::error::Result;

    /// No hooks, ever.
    #[derive(Clone, Copy, Debug)]
    pub struct Plan {
        pub hooks: &'static [u8],
        pub state: &'static [u8],
    }

    impl Plan {
        pub const NONE: Plan = Plan {
            hooks: b"",
            state: b"",
        };
    }

    pub enum Kind {
        CreateContainer,
        StartContainer,
    }

    pub fn run(_: &[u8], _: Kind, _: &[u8], _: u32) -> Result<()> {
        Ok(())
    }

    pub fn has_runtime_hooks(_: &Plan) -> bool {
        false
    }

    pub fn run_runtime_hooks(_: &Plan, _: rustix::process::Pid) -> Result<()> {
        Ok(())
    }
}
