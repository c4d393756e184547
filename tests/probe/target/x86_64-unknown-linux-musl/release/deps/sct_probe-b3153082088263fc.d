/work/main/tests/probe/target/x86_64-unknown-linux-musl/release/deps/sct_probe-b3153082088263fc.d: src/main.rs Cargo.toml

/work/main/tests/probe/target/x86_64-unknown-linux-musl/release/deps/libsct_probe-b3153082088263fc.rmeta: src/main.rs Cargo.toml

src/main.rs:
Cargo.toml:

# env-dep:CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__
# env-dep:CLIPPY_CONF_DIR
