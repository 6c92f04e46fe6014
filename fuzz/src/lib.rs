//! Fuzz targets for kro-core. The bodies live in `targets.rs`, which `core/tests/fuzz.rs`
//! also includes, so libFuzzer and the stable run in `cargo test` exercise the same code.

pub mod targets;
