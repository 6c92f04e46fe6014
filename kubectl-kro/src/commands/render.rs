//! `kubectl kro render`: the exact children an instance would produce, offline.

use std::path::PathBuf;

use anyhow::{Result, bail};
use kro_core::compile::{Options, compile_file};
use kro_core::runtime::{Observed, Phase, Readiness, Runtime, Settings};
use kro_core::schema::instance::{apply_defaults, validate};
use serde_json::Value as Json;

use crate::Outcome;
use crate::inputs;
use crate::output::{self, DocumentFormat};

/// Show the objects an instance of an RGD would create, without a cluster.
///
/// The instance is defaulted and validated as the API server would; then every resource is
/// planned as the controller plans it, with each planned object counting as created and
/// ready so its dependents resolve. Values that only a live cluster has (a status, an
/// assigned IP) print as `<unknown: ${…}>`. A summary of each resource goes to standard
/// error; the objects go to standard output.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro render examples/webapp.yaml examples/instances/webapp.yaml\n  \
    kubectl kro render webapp.yaml shop.yaml -o json | jq '.[].kind'\n  \
    kubectl kro render webapp.yaml shop.yaml | kubectl apply --dry-run=server -f -")]
pub struct Args {
    /// The RGD file
    #[arg(value_name = "RGD")]
    rgd: PathBuf,
    /// The instance file (`-` reads standard input)
    #[arg(value_name = "INSTANCE")]
    instance: PathBuf,
    /// Namespace of the instance when its metadata has none
    #[arg(short, long, default_value = "default")]
    namespace: String,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = DocumentFormat::Yaml)]
    output: DocumentFormat,
}

pub fn run(args: Args) -> Result<Outcome> {
    let rgd = inputs::read_one(&args.rgd)?;
    let analysis = compile_file(&rgd.text, &Options::default());
    let Some(compiled) = super::generate::valid_rgds(&analysis, &rgd) else {
        return Ok(Outcome::Invalid);
    };
    let instance_input = inputs::read_one(&args.instance)?;
    let parsed = kro_core::syntax::parse(&instance_input.text);
    let Some(mut instance) = parsed
        .documents
        .iter()
        .find_map(|d| d.root.as_ref())
        .map(|r| r.to_json())
    else {
        bail!("{}: no instance in this file", instance_input.path);
    };
    if let Some(d) = parsed.diagnostics.first() {
        bail!("{}: not valid YAML: {}", instance_input.path, d.message);
    }
    let kind = instance
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(compiled) = compiled.into_iter().find(|c| c.crd_spec.kind == kind) else {
        bail!(
            "{}: the instance is a `{kind}`, but {} defines {}",
            instance_input.path,
            rgd.path,
            analysis
                .rgds
                .iter()
                .map(|c| format!("`{}`", c.crd_spec.kind))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let expected_api_version = format!("{}/{}", compiled.crd_spec.group, compiled.crd_spec.version);
    if instance.get("apiVersion").and_then(Json::as_str) != Some(expected_api_version.as_str()) {
        bail!(
            "{}: a {kind} has `apiVersion: {expected_api_version}`",
            instance_input.path
        );
    }

    // Default and validate the spec as the API server would before the controller sees it.
    let spec = instance.as_object_mut().map(|m| {
        m.entry("spec")
            .or_insert_with(|| Json::Object(Default::default()))
    });
    if let Some(spec) = spec {
        apply_defaults(&compiled.spec.schema, spec);
        let errors = validate(&compiled.spec.schema, spec, "spec");
        if !errors.is_empty() {
            for e in &errors {
                eprintln!("{}: {e}", instance_input.path);
            }
            eprintln!(
                "the API server would refuse this {kind}: {} problem(s)",
                errors.len()
            );
            return Ok(Outcome::Invalid);
        }
    }
    let namespaced = !compiled
        .rgd
        .schema
        .as_ref()
        .is_some_and(|s| s.is_cluster_scoped());
    if let Some(metadata) = instance.get_mut("metadata").and_then(Json::as_object_mut)
        && namespaced
        && !metadata.contains_key("namespace")
    {
        metadata.insert("namespace".to_owned(), Json::String(args.namespace.clone()));
    }

    let runtime = Runtime::new(compiled.clone()).map_err(anyhow::Error::msg)?;
    let settings = Settings {
        assume_ready: true,
        ..Settings::default()
    };
    let plan = runtime.plan(&instance, &Observed::new(), &settings);
    let mut failed = false;
    for resource in &plan.resources {
        let line = match &resource.phase {
            Phase::Resolved {
                readiness: Readiness::Unknown | Readiness::Ready,
            } if resource.external.is_some() => {
                format!("  read      {} (external, never written)", resource.id)
            }
            Phase::Resolved { .. } => format!(
                "  render    {} ({} object{})",
                resource.id,
                resource.desired.len(),
                if resource.desired.len() == 1 { "" } else { "s" }
            ),
            Phase::Excluded { reason } => format!("  excluded  {}: {reason}", resource.id),
            Phase::Pending { reason } => format!("  pending   {}: {reason}", resource.id),
            Phase::Failed { error } => {
                failed = true;
                format!("  failed    {}: {error}", resource.id)
            }
        };
        eprintln!("{line}");
    }
    let objects: Vec<Json> = plan.apply().cloned().collect();
    match args.output {
        DocumentFormat::Json => output::print_document(&Json::Array(objects), args.output)?,
        DocumentFormat::Yaml => {
            for (i, object) in objects.iter().enumerate() {
                if i > 0 {
                    println!("---");
                }
                print!("{}", output::to_yaml(object)?);
            }
        }
    }
    Ok(if failed {
        Outcome::Invalid
    } else {
        Outcome::Ok
    })
}
