//! `kubectl kro validate`: compile RGD files offline and print every problem.

use std::path::PathBuf;

use anyhow::Result;
use kro_core::compile::{Options, compile_file};
use kro_core::text::LineIndex;

use crate::Outcome;
use crate::inputs;
use crate::output::{self, JsonDiagnostic};

/// Check RGD files offline and print every problem found.
///
/// Problems print as `path:line:col: error[code]: message`, the format editors and CI
/// problem matchers read. Exit status 0 when every RGD is valid, 1 when any is not.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro validate webapp.yaml\n  \
    kubectl kro validate rgds/ -o json          for tools\n  \
    cat webapp.yaml | kubectl kro validate -")]
pub struct Args {
    /// Files or directories (every .yaml/.yml below them); `-` reads standard input
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    output: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One line per problem
    Text,
    /// A JSON array of problems
    Json,
}

pub fn run(args: Args) -> Result<Outcome> {
    let inputs = inputs::read_all(&args.paths)?;
    let options = Options::default();
    let color = output::color_enabled();
    let mut json = Vec::new();
    let (mut rgds, mut invalid_files) = (0, 0);
    for input in &inputs {
        let analysis = compile_file(&input.text, &options);
        let index = LineIndex::new(&input.text);
        rgds += analysis.rgds.len();
        let diagnostics = analysis.diagnostics();
        let no_rgd = analysis.rgds.is_empty() && diagnostics.is_empty();
        if no_rgd && input.explicit {
            eprintln!(
                "{}: no ResourceGraphDefinition in this file (documents need `kind: ResourceGraphDefinition`)",
                input.path
            );
            invalid_files += 1;
            continue;
        }
        if analysis.has_errors() {
            invalid_files += 1;
        }
        for d in diagnostics {
            match args.output {
                Format::Text => println!(
                    "{}",
                    output::diagnostic_lines(d, &input.path, &input.text, &index, color)
                ),
                Format::Json => json.push(JsonDiagnostic::new(d, &input.path, &input.text, &index)),
            }
        }
    }
    if args.output == Format::Json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    }
    let files = inputs.len();
    if invalid_files == 0 {
        eprintln!("{rgds} ResourceGraphDefinition(s) in {files} file(s): valid");
        Ok(Outcome::Ok)
    } else {
        eprintln!(
            "{rgds} ResourceGraphDefinition(s) in {files} file(s): {invalid_files} file(s) with errors"
        );
        Ok(Outcome::Invalid)
    }
}
