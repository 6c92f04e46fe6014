//! `kubectl kro validate`: compile RGD files and print every problem — offline, or with
//! `--against-cluster` also against the cluster's CRDs and the CRDs already generated there.

use std::path::PathBuf;

use anyhow::{Context, Result};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kro_core::compile::{Compiled, Options, compile_file};
use kro_core::diagnostic::Diagnostic;
use kro_core::schema::Ownership;
use kro_core::schema::compare_crds;
use kro_core::schema::crd::takeover_refusal;
use kro_core::text::LineIndex;
use kube::Api;

use crate::Outcome;
use crate::kube_client::{self, ClusterArgs, Connection};
use crate::output::{self, JsonDiagnostic};
use crate::{cluster_rgd, inputs};

/// Check RGD files and print every problem found.
///
/// Problems print as `path:line:col: error[code]: message`, the format editors and CI
/// problem matchers read. Exit status 0 when every RGD is valid, 1 when any is not.
///
/// Offline (the default) templates of built-in kinds are type-checked against bundled
/// schemas. With --against-cluster (honouring --kubeconfig and --context) the cluster's
/// CRDs are known kinds too, so fields of custom kinds are checked; and when the CRD an RGD
/// generates already exists, the new one is compared with it: breaking changes (a field
/// removed, a type changed, a new required field, a tightened constraint…) are errors at
/// the field, unless the RGD is annotated `kro.run/allow-breaking-changes: "true"`, and a
/// CRD that belongs to another RGD is an error — exactly what the controller would refuse.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro validate webapp.yaml\n  \
    kubectl kro validate rgds/ -o json          for tools\n  \
    cat webapp.yaml | kubectl kro validate -\n  \
    kubectl kro validate webapp.yaml --against-cluster --context prod\n                                              \
    custom kinds checked, breaking changes caught before applying")]
pub struct Args {
    /// Files or directories (every .yaml/.yml below them); `-` reads standard input
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    output: Format,
    /// Also check against the cluster: its CRDs as known kinds, and breaking changes to the
    /// CRDs the RGDs generate
    #[arg(long)]
    against_cluster: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One line per problem
    Text,
    /// A JSON array of problems
    Json,
}

pub fn run(args: Args, cluster: &ClusterArgs) -> Result<Outcome> {
    let inputs = inputs::read_all(&args.paths)?;
    let live = if args.against_cluster {
        Some(Live::connect(cluster)?)
    } else {
        None
    };
    let options = match &live {
        Some(live) => live.options.clone(),
        None => Options::default(),
    };
    let color = output::color_enabled();
    let mut json = Vec::new();
    let (mut rgds, mut invalid_files) = (0, 0);
    for input in &inputs {
        let analysis = compile_file(&input.text, &options);
        let index = LineIndex::new(&input.text);
        rgds += analysis.rgds.len();
        let mut diagnostics: Vec<Diagnostic> =
            analysis.diagnostics().into_iter().cloned().collect();
        let no_rgd = analysis.rgds.is_empty() && diagnostics.is_empty();
        if no_rgd && input.explicit {
            eprintln!(
                "{}: no ResourceGraphDefinition in this file (documents need `kind: ResourceGraphDefinition`)",
                input.path
            );
            invalid_files += 1;
            continue;
        }
        let mut invalid = analysis.has_errors();
        if let Some(live) = &live {
            for compiled in &analysis.rgds {
                let check = live.check_crd(compiled)?;
                invalid |= !check.errors.is_empty() || !check.diagnostics.is_empty();
                diagnostics.extend(check.diagnostics);
                for error in check.errors {
                    eprintln!("{}: error: {error}", input.path);
                }
                for note in check.notes {
                    eprintln!("{}: note: {note}", input.path);
                }
            }
            diagnostics.sort_by_key(|d| d.range.start);
        }
        if invalid {
            invalid_files += 1;
        }
        for d in &diagnostics {
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
    let against = match &live {
        Some(live) => format!(" against the cluster at {}", live.connection.url),
        None => String::new(),
    };
    if invalid_files == 0 {
        eprintln!("{rgds} ResourceGraphDefinition(s) in {files} file(s): valid{against}");
        Ok(Outcome::Ok)
    } else {
        eprintln!(
            "{rgds} ResourceGraphDefinition(s) in {files} file(s): {invalid_files} file(s) with errors{against}"
        );
        Ok(Outcome::Invalid)
    }
}

/// The cluster, for `--against-cluster`: its CRDs as known kinds, and the CRDs to compare.
struct Live {
    runtime: tokio::runtime::Runtime,
    connection: Connection,
    options: Options,
}

/// What comparing an RGD's CRD with the cluster's found.
#[derive(Default)]
struct CrdCheck {
    /// Breaking changes, at the fields concerned.
    diagnostics: Vec<Diagnostic>,
    /// Refusals with no place in the text (the CRD belongs to someone else).
    errors: Vec<String>,
    /// What the user should know but is not an error.
    notes: Vec<String>,
}

impl Live {
    fn connect(cluster: &ClusterArgs) -> Result<Live> {
        let runtime = kube_client::runtime()?;
        let (connection, options) = runtime.block_on(async {
            let connection = kube_client::connect(cluster).await?;
            let schemas = cluster_rgd::crd_schemas(&connection.client)
                .await
                .map_err(|e| connection.error(e))
                .context("listing the cluster's CRDs")?;
            anyhow::Ok((connection, Options::with_crds(schemas)))
        })?;
        Ok(Live {
            runtime,
            connection,
            options,
        })
    }

    /// Compares the CRD `compiled` generates with the one in the cluster, as the controller
    /// does before applying it.
    fn check_crd(&self, compiled: &Compiled) -> Result<CrdCheck> {
        let mut check = CrdCheck::default();
        if compiled.crd_spec.kind.is_empty() || compiled.crd_spec.version.is_empty() {
            return Ok(check);
        }
        let crd_name = compiled.crd_spec.crd_name();
        let crds: Api<CustomResourceDefinition> = Api::all(self.connection.client.clone());
        let existing = self
            .runtime
            .block_on(crds.get_opt(&crd_name))
            .map_err(|e| self.connection.error(e))
            .with_context(|| format!("reading CRD {crd_name}"))?;
        let Some(existing) = existing else {
            return Ok(check);
        };
        let rgd_name = compiled.rgd.name.as_ref().map_or("", |n| n.value.as_str());
        let old = serde_json::to_value(&existing)?;
        if let Some(refusal) = takeover_refusal(&old, &crd_name, rgd_name) {
            check.errors.push(format!(
                "{refusal} in the cluster; the controller would refuse to take it over"
            ));
            return Ok(check);
        }
        let new = compiled.crd(&Ownership::default());
        let comparison = match compare_crds(&old, &new) {
            Ok(comparison) => comparison,
            Err(error) => {
                check.notes.push(format!(
                    "cannot compare with CRD {crd_name} in the cluster: {error}"
                ));
                return Ok(check);
            }
        };
        if !comparison.is_breaking() {
            return Ok(check);
        }
        if compiled.rgd.allows_breaking_changes() {
            check.notes.push(format!(
                "breaking changes to CRD {crd_name} allowed by kro.run/allow-breaking-changes: {}",
                comparison.summary()
            ));
            return Ok(check);
        }
        let fallback = compiled
            .rgd
            .schema
            .as_ref()
            .map_or(compiled.rgd.range, |s| s.node.range);
        check.diagnostics = comparison.diagnostics(Some(&compiled.spec), fallback);
        Ok(check)
    }
}
