//! `kubectl kro generate`: artefacts derived from an RGD, offline — the CRD, a sample
//! instance, and a JSON Schema for editors.

mod instance;
mod json_schema;

use std::path::PathBuf;

use anyhow::Result;
use kro_core::compile::{Compiled, FileAnalysis, Options, compile_file};
use kro_core::schema::Ownership;
use kro_core::text::LineIndex;

use crate::Outcome;
use crate::inputs::{self, Input};
use crate::kube_client::ClusterArgs;
use crate::output::{self, DocumentFormat};

/// Generate artefacts from an RGD file, offline.
#[derive(Debug, clap::Subcommand)]
pub enum Generate {
    /// The CustomResourceDefinition the controller creates for the RGD's kind
    #[command(after_help = "Examples:\n  \
        kubectl kro generate crd webapp.yaml\n  \
        kubectl kro generate crd webapp.yaml | kubectl apply --dry-run=server -f -")]
    Crd(FileArgs),
    /// A sample instance of the RGD's kind, with every field
    ///
    /// Fields come in the order the SimpleSchema declares them. Defaults are filled in;
    /// required fields without a default get a placeholder to replace ("", 0, false, [], {},
    /// the first enum value or the minimum); optional fields without a default are commented
    /// out. A comment after each field says what it accepts (required, type, allowed values,
    /// bounds), and descriptions come as comments above it. `-n` sets metadata.namespace.
    #[command(after_help = "Examples:\n  \
        kubectl kro generate instance webapp.yaml > my-app.yaml\n  \
        kubectl kro generate instance webapp.yaml --name shop -n team-a")]
    Instance(InstanceArgs),
    /// The JSON Schema (draft 2020-12) of the RGD's kind, for editors
    ///
    /// Point yaml-language-server (VS Code's YAML extension, Neovim, Helix, …) at it with a
    /// first line `# yaml-language-server: $schema=webapp.schema.json` in an instance file, and
    /// the editor completes and checks the instance's fields.
    #[command(after_help = "Examples:\n  \
        kubectl kro generate schema webapp.yaml > webapp.schema.json")]
    Schema(SchemaArgs),
}

/// An RGD file and the instance's name.
#[derive(Debug, clap::Args)]
pub struct InstanceArgs {
    /// The RGD file (`-` reads standard input)
    #[arg(value_name = "FILE")]
    path: PathBuf,
    /// The instance's metadata.name [default: my-<kind>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

/// An RGD file and an output format (JSON by default).
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// The RGD file (`-` reads standard input)
    #[arg(value_name = "FILE")]
    path: PathBuf,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = DocumentFormat::Json)]
    output: DocumentFormat,
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

pub fn run(command: Generate, cluster: &ClusterArgs) -> Result<Outcome> {
    let path = match &command {
        Generate::Crd(args) => &args.path,
        Generate::Instance(args) => &args.path,
        Generate::Schema(args) => &args.path,
    };
    let input = inputs::read_one(path)?;
    let analysis = compile_file(&input.text, &Options::default());
    let Some(compiled) = valid_rgds(&analysis, &input) else {
        return Ok(Outcome::Invalid);
    };
    match command {
        Generate::Crd(args) => {
            let crds: Vec<serde_json::Value> = compiled
                .iter()
                .map(|c| c.crd(&Ownership::default()))
                .collect();
            print_documents(&crds, args.output)?;
        }
        Generate::Instance(args) => {
            let target = instance::Target {
                name: args.name.as_deref(),
                namespace: cluster.namespace.as_deref(),
            };
            let documents: Vec<String> = compiled
                .iter()
                .map(|c| instance::render(c, &target))
                .collect();
            print!("{}", documents.join("---\n"));
        }
        Generate::Schema(args) => {
            output::print_document(&json_schema::document(&compiled), args.output)?;
        }
    }
    Ok(Outcome::Ok)
}

/// The file's RGDs, or `None` after printing its problems (exit status 1): artefacts of an
/// invalid RGD would be wrong in ways the user cannot see.
pub fn valid_rgds<'a>(analysis: &'a FileAnalysis, input: &Input) -> Option<Vec<&'a Compiled>> {
    let index = LineIndex::new(&input.text);
    let color = output::color_enabled();
    for d in analysis.diagnostics() {
        eprintln!(
            "{}",
            output::diagnostic_lines(d, &input.path, &input.text, &index, color)
        );
    }
    if analysis.rgds.is_empty() {
        eprintln!(
            "error: {}: no ResourceGraphDefinition in this file (documents need `kind: ResourceGraphDefinition`)",
            input.path
        );
        return None;
    }
    if analysis.has_errors() {
        eprintln!(
            "error: {}: the RGD has errors; fix them first (`kubectl kro validate {}`)",
            input.path, input.path
        );
        return None;
    }
    Some(analysis.rgds.iter().collect())
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
