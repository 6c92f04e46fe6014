//! `kubectl kro graph`: the dependency graph of an RGD file, offline.

use std::path::PathBuf;

use anyhow::{Result, bail};
use kro_core::compile::{Options, compile_file};
use kro_core::text::LineIndex;

use crate::Outcome;
use crate::{inputs, output};

/// Show the resources of an RGD in the order they are created.
///
/// Resources are grouped into waves: everything in a wave waits for the waves before it,
/// and deletion runs the waves backwards. Markers show resources that are conditional
/// (includeWhen), collections (forEach or a selector) and external (read, never written).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro graph webapp.yaml\n  \
    kubectl kro graph webapp.yaml -o dot | dot -Tsvg > webapp.svg\n  \
    kubectl kro graph webapp.yaml -o mermaid")]
pub struct Args {
    /// The RGD file (`-` reads standard input)
    #[arg(value_name = "FILE")]
    path: PathBuf,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Ascii)]
    output: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Waves and resources, for a terminal
    Ascii,
    /// Graphviz dot
    Dot,
    /// A Mermaid flowchart
    Mermaid,
    /// JSON, for tools
    Json,
}

pub fn run(args: Args) -> Result<Outcome> {
    let input = inputs::read_one(&args.path)?;
    let analysis = compile_file(&input.text, &Options::default());
    if analysis.rgds.is_empty() {
        report(&analysis, &input);
        bail!("{}: no ResourceGraphDefinition in this file", input.path);
    }
    let views: Vec<_> = analysis.rgds.iter().map(|c| c.graph_view()).collect();
    match args.output {
        Format::Ascii => {
            let text: Vec<String> = views.iter().map(|v| v.to_ascii()).collect();
            print!("{}", text.join("\n"));
        }
        Format::Dot => views.iter().for_each(|v| print!("{}", v.to_dot())),
        Format::Mermaid => views.iter().for_each(|v| print!("{}", v.to_mermaid())),
        Format::Json => println!("{}", serde_json::to_string_pretty(&views)?),
    }
    if analysis.has_errors() {
        report(&analysis, &input);
        return Ok(Outcome::Invalid);
    }
    Ok(Outcome::Ok)
}

/// Problems go to standard error so the graph on standard output stays machine-readable.
fn report(analysis: &kro_core::compile::FileAnalysis, input: &inputs::Input) {
    let index = LineIndex::new(&input.text);
    let color = output::color_enabled();
    for d in analysis.diagnostics() {
        eprintln!(
            "{}",
            output::diagnostic_lines(d, &input.path, &input.text, &index, color)
        );
    }
}
