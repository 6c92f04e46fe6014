//! `kubectl kro status`: RGDs and their instances with state and conditions, or one instance
//! with the tree of its children, each with its readiness and why it is not ready.
//!
//! One instance is explained by running core's planner over what the cluster holds: the RGD
//! (compiled with the cluster's CRDs), the instance, its children (found by kro's
//! `kro.run/instance-id` label and bound to resources by `kro.run/node-id`) and its external
//! references — the same plan the controller makes, so the reasons are the controller's.

mod instance;
mod overview;

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::Outcome;
use crate::kube_client::{self, ClusterArgs, Connection};
use crate::output;

/// Show RGDs and instances, or one instance and why it is (not) ready.
///
/// Without an argument: every RGD (its kind, state and how many instances are in each state)
/// and the instances in the namespace (-n, else the context's) or in all namespaces (-A).
/// With KIND: the same for that kind only. With KIND/NAME (or KIND NAME): the instance's
/// state and conditions, then its children in the RGD's graph order — kind and name, ready
/// or not, and why not: which dependency it waits for, which readyWhen was false and the
/// values it saw, which includeWhen excluded it, which external reference is missing.
///
/// KIND is the kind an RGD defines, as kubectl accepts it: `WebApp`, `webapp`, `webapps`, a
/// short name, optionally with `.group`.
///
/// `-o json` prints, for one instance: {"instance": {apiVersion, kind, namespace, name, uid,
/// rgd, state, ready, conditions}, "resources": [{id, apiVersion, kind, wave, external,
/// collection, phase (resolved|pending|excluded|failed|unknown), ready (true|false|null),
/// reason, objects: [{apiVersion, kind, namespace, name, exists}]}], "problem"}; for a list:
/// {"rgds": [{name,
/// kind, apiVersion, state, ready, instances: {STATE: count}}], "instances": [{apiVersion,
/// kind, namespace, name, state, ready, reason}]}. `problem` (else null) says why the
/// children could not be explained (say, the RGD no longer compiles).
///
/// --watch redraws when something changes (in place on a terminal; otherwise each new
/// snapshot is printed after the last) until interrupted.
///
/// Exit status: 0 when the instance is ACTIVE and Ready (for a list: every RGD Active and
/// every instance listed ACTIVE and Ready), 1 when not, 2 on a usage error, an unknown kind
/// or instance, or when the cluster cannot be reached. With --watch, the status of the last
/// snapshot.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro status                              RGDs and the instances in the namespace\n  \
    kubectl kro status -A                           … in all namespaces\n  \
    kubectl kro status webapp                       instances of the kind WebApp\n  \
    kubectl kro status webapp/shop -n shop          one instance: the tree of its children\n  \
    kubectl kro status webapp/shop --watch          redraw as it changes\n  \
    kubectl kro status webapp/shop -o json | jq '.resources[] | select(.ready == false)'\n  \
    kubectl wait --for=jsonpath='{.status.state}'=ACTIVE webapp/shop && kubectl kro status webapp/shop")]
pub struct Args {
    /// KIND, KIND/NAME or KIND NAME
    #[arg(value_name = "KIND[/NAME]", num_args = 0..=2)]
    target: Vec<String>,
    /// List instances in all namespaces
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Output format
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    output: Format,
    /// Keep watching, redrawing when something changes
    #[arg(short, long)]
    watch: bool,
    /// Seconds between looks with --watch
    #[arg(long, value_name = "SECONDS", default_value_t = 2, requires = "watch")]
    interval: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Tables and a tree, for people
    Table,
    /// JSON (the shape is described above)
    Json,
    /// YAML (the same shape)
    Yaml,
}

/// What to show.
enum Query {
    /// RGDs and instances, of one kind or all.
    List { kind: Option<String> },
    /// One instance.
    One { kind: String, name: String },
}

impl Query {
    fn parse(args: &Args) -> Result<Query> {
        let query = match args.target.as_slice() {
            [] => Query::List { kind: None },
            [one] => match one.split_once('/') {
                Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Query::One {
                    kind: kind.to_owned(),
                    name: name.to_owned(),
                },
                Some(_) => bail!("{one:?} is not KIND/NAME"),
                None => Query::List {
                    kind: Some(one.clone()),
                },
            },
            [kind, name] if !kind.contains('/') && !name.contains('/') => Query::One {
                kind: kind.clone(),
                name: name.clone(),
            },
            _ => bail!("give KIND/NAME or KIND NAME, not {}", args.target.join(" ")),
        };
        if args.all_namespaces && matches!(query, Query::One { .. }) {
            bail!("an instance cannot be read by name across all namespaces: drop -A, or give -n");
        }
        Ok(query)
    }
}

/// One look at the cluster, ready to print.
struct Snapshot {
    /// What to print.
    text: String,
    /// Whether everything shown is ready.
    ready: bool,
}

pub fn run(args: Args, cluster: &ClusterArgs) -> Result<Outcome> {
    let query = Query::parse(&args)?;
    let runtime = kube_client::runtime()?;
    runtime.block_on(async {
        let connection = kube_client::connect(cluster).await?;
        if !args.watch {
            let snapshot = look(&connection, &query, &args).await?;
            print!("{}", snapshot.text);
            return Ok(outcome(snapshot.ready));
        }
        watch(&connection, &query, &args).await
    })
}

fn outcome(ready: bool) -> Outcome {
    if ready { Outcome::Ok } else { Outcome::Invalid }
}

/// Looks and prints whenever what is seen changes, until interrupted.
async fn watch(connection: &Connection, query: &Query, args: &Args) -> Result<Outcome> {
    let terminal = std::io::stdout().is_terminal();
    let interval = Duration::from_secs(args.interval.max(1));
    let mut last: Option<String> = None;
    let mut ready = false;
    let mut first = true;
    loop {
        match look(connection, query, args).await {
            Ok(snapshot) => {
                ready = snapshot.ready;
                if last.as_deref() != Some(snapshot.text.as_str()) {
                    let mut out = std::io::stdout().lock();
                    if terminal {
                        // Home and clear, then draw: the picture is redrawn in place.
                        write!(out, "\x1b[H\x1b[2J")?;
                    } else if !first && args.output == Format::Table {
                        writeln!(out)?;
                    }
                    write!(out, "{}", snapshot.text)?;
                    out.flush()?;
                    last = Some(snapshot.text);
                    first = false;
                }
            }
            // A watch outlives a lost connection or an instance not created yet.
            Err(error) => eprintln!("error: {error:#}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(outcome(ready)),
        }
    }
}

/// Reads the cluster once and renders what the query asks for.
async fn look(connection: &Connection, query: &Query, args: &Args) -> Result<Snapshot> {
    let color = output::color_enabled();
    match query {
        Query::List { kind } => {
            let overview = overview::read(connection, kind.as_deref(), args.all_namespaces).await?;
            let ready = overview.ready();
            let text = match args.output {
                Format::Table => overview.render(args.all_namespaces, &connection.namespace, color),
                format => document(&overview, format)?,
            };
            Ok(Snapshot { text, ready })
        }
        Query::One { kind, name } => {
            let status = instance::read(connection, kind, name).await?;
            let ready = status.instance.ready;
            let text = match args.output {
                Format::Table => status.render(color),
                format => document(&status, format)?,
            };
            Ok(Snapshot { text, ready })
        }
    }
}

fn document(value: &impl Serialize, format: Format) -> Result<String> {
    let value = serde_json::to_value(value)?;
    Ok(match format {
        Format::Yaml => output::to_yaml(&value)?,
        _ => {
            let mut text = serde_json::to_string_pretty(&value)?;
            text.push('\n');
            text
        }
    })
}

/// The state an instance's status shows, and whether it counts as ready: `ACTIVE`, and a
/// `Ready` condition (when there is one) that is `True`.
fn instance_ready(object: &serde_json::Value) -> (Option<String>, bool) {
    let state = object
        .pointer("/status/state")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    let ready_condition = condition(object, "Ready").and_then(|c| c["status"].as_str());
    let ready = state.as_deref() == Some("ACTIVE") && ready_condition.is_none_or(|s| s == "True");
    (state, ready)
}

/// The condition of `type_` in an object's `status.conditions`.
fn condition<'a>(object: &'a serde_json::Value, type_: &str) -> Option<&'a serde_json::Value> {
    object
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// The RGD that defines `kind` (as kubectl names kinds).
fn find_kind<'a>(
    kinds: &'a [crate::cluster_rgd::DefinedKind],
    kind: &str,
) -> Result<&'a crate::cluster_rgd::DefinedKind> {
    let found: Vec<_> = kinds.iter().filter(|k| k.matches(kind)).collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let known: Vec<String> = kinds.iter().map(|k| k.kind.clone()).collect();
            bail!(
                "no ResourceGraphDefinition defines a kind {kind:?} (the cluster's RGDs define: {})",
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known.join(", ")
                }
            )
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .map(|k| format!("{}.{} (RGD {})", k.plural, k.group, k.rgd))
                .collect();
            bail!(
                "{kind:?} names more than one kind: {} — add the group",
                names.join(", ")
            )
        }
    }
}
