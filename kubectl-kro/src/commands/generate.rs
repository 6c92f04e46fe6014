//! `kubectl kro generate`: artefacts derived from an RGD, offline.

use anyhow::Result;

use crate::Outcome;

/// Generate artefacts from an RGD file.
#[derive(Debug, clap::Subcommand)]
pub enum Generate {}

pub fn run(command: Generate) -> Result<Outcome> {
    match command {}
}
