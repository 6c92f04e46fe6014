//! kro-core compiles kro ResourceGraphDefinitions into a typed, validated graph.
//!
//! The crate is pure: it takes text and returns values. It performs no I/O, spawns no tasks
//! and reads no clock or environment, so the editor, the CLI and the controller share it.

#![deny(missing_docs)]

pub mod cel;
pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod graph;
pub mod ide;
pub mod openapi;
pub mod rgd;
pub mod runtime;
pub mod schema;
pub mod syntax;
pub mod text;

#[cfg(test)]
mod fixture;
