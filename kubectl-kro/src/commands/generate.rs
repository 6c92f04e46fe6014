//! `kubectl kro generate`: artefacts derived from an RGD, offline.

use std::path::PathBuf;

use anyhow::{Result, bail};
use kro_core::compile::{Compiled, FileAnalysis, Options, compile_file};
use kro_core::schema::Ownership;
use kro_core::text::LineIndex;

use crate::Outcome;
use crate::inputs::{self, Input};
use crate::output::{self, DocumentFormat};

/// Generate artefacts from an RGD file, offline.
#[derive(Debug, clap::Subcommand)]
pub enum Generate {
    /// The CustomResourceDefinition the controller creates for the RGD's kind
    #[command(after_help = "Examples:\n  \
        kubectl kro generate crd webapp.yaml\n  \
        kubectl kro generate crd webapp.yaml | kubectl apply --dry-run=server -f -")]
    Crd(FileArgs),
}

/// An RGD file and an output format.
#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// The RGD file (`-` reads standard input)
    #[arg(value_name = "FILE")]
    path: PathBuf,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = DocumentFormat::Yaml)]
    output: DocumentFormat,
}

pub fn run(command: Generate) -> Result<Outcome> {
    match command {
        Generate::Crd(args) => {
            let input = inputs::read_one(&args.path)?;
            let analysis = compile_file(&input.text, &Options::default());
            let compiled = valid_rgds(&analysis, &input)?;
            let crds: Vec<serde_json::Value> = compiled
                .iter()
                .map(|c| c.crd(&Ownership::default()))
                .collect();
            print_documents(&crds, args.output)?;
            Ok(Outcome::Ok)
        }
    }
}

/// The file's RGDs, or an error listing its problems: artefacts of an invalid RGD would be
/// wrong in ways the user cannot see.
fn valid_rgds<'a>(analysis: &'a FileAnalysis, input: &Input) -> Result<Vec<&'a Compiled>> {
    if analysis.rgds.is_empty() {
        bail!("{}: no ResourceGraphDefinition in this file", input.path);
    }
    if analysis.has_errors() {
        let index = LineIndex::new(&input.text);
        for d in analysis.diagnostics() {
            eprintln!(
                "{}",
                output::diagnostic_lines(
                    d,
                    &input.path,
                    &input.text,
                    &index,
                    output::color_enabled()
                )
            );
        }
        bail!(
            "{}: the RGD has errors; fix them first (`kubectl kro validate {}`)",
            input.path,
            input.path
        );
    }
    Ok(analysis.rgds.iter().collect())
}

/// Several documents: a YAML stream separated by `---`, or a JSON array (one object alone is
/// printed bare).
fn print_documents(documents: &[serde_json::Value], format: DocumentFormat) -> Result<()> {
    match (documents, format) {
        ([one], _) => output::print_document(one, format),
        (many, DocumentFormat::Json) => {
            output::print_document(&serde_json::Value::Array(many.to_vec()), format)
        }
        (many, DocumentFormat::Yaml) => {
            for (i, document) in many.iter().enumerate() {
                if i > 0 {
                    println!("---");
                }
                print!("{}", output::to_yaml(document)?);
            }
            Ok(())
        }
    }
}
