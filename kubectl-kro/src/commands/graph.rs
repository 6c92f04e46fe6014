//! `kubectl kro graph`: the dependency graph of an RGD, from a file (offline) or from the
//! cluster by name; drawn as text, dot, Mermaid, JSON, or SVG through Graphviz.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use kro_core::compile::{FileAnalysis, Options, compile_file};
use kro_core::graph::render::GraphView;
use kro_core::text::LineIndex;

use crate::Outcome;
use crate::kube_client::{self, ClusterArgs};
use crate::{cluster_rgd, inputs, output};

/// Show the resources of an RGD in the order they are created.
///
/// Resources are grouped into waves: everything in a wave waits for the waves before it,
/// and deletion runs the waves backwards. Markers show resources that are conditional
/// (includeWhen), collections (forEach or a selector) and external (read, never written).
///
/// The argument is a file when one exists at that path (or `-` for standard input);
/// otherwise it names an RGD in the cluster, which is read and compiled with the cluster's
/// CRDs (honouring --kubeconfig and --context). `-o svg` runs Graphviz `dot -Tsvg` on the dot
/// output and needs `dot` on PATH.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro graph webapp.yaml\n  \
    kubectl kro graph webapp.yaml -o svg > webapp.svg      needs Graphviz\n  \
    kubectl kro graph webapp.yaml -o dot | dot -Tpng > webapp.png\n  \
    kubectl kro graph webapp.yaml -o mermaid\n  \
    kubectl kro graph webapp                                the RGD named webapp in the cluster\n  \
    kubectl kro graph webapp --context prod -o json")]
pub struct Args {
    /// An RGD file (`-` reads standard input), or the name of an RGD in the cluster
    #[arg(value_name = "FILE|RGD")]
    target: PathBuf,
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
    /// SVG drawn by Graphviz (`dot` must be on PATH)
    Svg,
}

pub fn run(args: Args, cluster: &ClusterArgs) -> Result<Outcome> {
    // Fail before reading anything when the drawing cannot be made.
    let dot = match args.output {
        Format::Svg => Some(graphviz()?),
        _ => None,
    };
    let input = read(&args.target, cluster)?;
    let analysis = match &input.analysis {
        Some(analysis) => analysis.clone(),
        None => compile_file(&input.text, &Options::default()),
    };
    if analysis.rgds.is_empty() {
        report(&analysis, &input);
        bail!("{}: no ResourceGraphDefinition in this file", input.path);
    }
    let views: Vec<GraphView> = analysis.rgds.iter().map(|c| c.graph_view()).collect();
    match args.output {
        Format::Ascii => {
            let text: Vec<String> = views.iter().map(|v| v.to_ascii()).collect();
            print!("{}", text.join("\n"));
        }
        Format::Dot => views.iter().for_each(|v| print!("{}", v.to_dot())),
        Format::Mermaid => views.iter().for_each(|v| print!("{}", v.to_mermaid())),
        Format::Json => println!("{}", serde_json::to_string_pretty(&views)?),
        Format::Svg => {
            let dot = dot.as_deref().unwrap_or(Path::new("dot"));
            for view in &views {
                let svg = to_svg(dot, &view.to_dot())?;
                std::io::stdout().write_all(&svg)?;
            }
        }
    }
    if analysis.has_errors() {
        report(&analysis, &input);
        return Ok(Outcome::Invalid);
    }
    Ok(Outcome::Ok)
}

/// What is drawn: the text, where it came from, and (for an RGD read from the cluster) its
/// analysis with the cluster's CRDs.
struct Source {
    path: String,
    text: String,
    analysis: Option<FileAnalysis>,
}

/// A file when the path exists (or is `-`, or plainly looks like a path); otherwise an RGD
/// of that name in the cluster.
fn read(target: &Path, cluster: &ClusterArgs) -> Result<Source> {
    let name = target.to_string_lossy();
    let looks_like_a_file = target.as_os_str() == "-"
        || target.exists()
        || name.contains(['/', '\\'])
        || [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext));
    if looks_like_a_file {
        let input = inputs::read_one(target)?;
        return Ok(Source {
            path: input.path,
            text: input.text,
            analysis: None,
        });
    }
    let runtime = kube_client::runtime()?;
    runtime.block_on(async {
        let connection = kube_client::connect(cluster).await.with_context(|| {
            format!("{name} is not a file; reading RGD {name} from the cluster")
        })?;
        let rgd = cluster_rgd::get(&connection.client, &name)
            .await
            .map_err(|e| connection.error(e))
            .with_context(|| format!("reading RGD {name}"))?;
        let Some(rgd) = rgd else {
            bail!(
                "no file named {name} and no ResourceGraphDefinition {name} in the cluster at {}",
                connection.url
            );
        };
        let (text, analysis) = cluster_rgd::compile(&connection.client, &rgd)
            .await
            .map_err(|e| connection.error(e))
            .context("listing the cluster's CRDs")?;
        Ok(Source {
            path: format!("resourcegraphdefinition/{name}"),
            text,
            analysis: Some(analysis),
        })
    })
}

/// Graphviz's `dot` on PATH.
fn graphviz() -> Result<PathBuf> {
    let exe = if cfg!(windows) { "dot.exe" } else { "dot" };
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(exe))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "-o svg needs Graphviz, and `dot` is not on PATH: install Graphviz (https://graphviz.org/download/) or use `-o dot` and draw it elsewhere"
            )
        })
}

/// Runs `dot -Tsvg` over a dot graph.
fn to_svg(dot: &Path, graph: &str) -> Result<Vec<u8>> {
    let mut child = Command::new(dot)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {}", dot.display()))?;
    let mut stdin = child.stdin.take().context("dot's standard input")?;
    let graph = graph.to_owned();
    // Write from another thread so a large graph cannot deadlock against dot's output.
    let writer = std::thread::spawn(move || stdin.write_all(graph.as_bytes()));
    let out = child.wait_with_output().context("waiting for dot")?;
    let _ = writer.join();
    if !out.status.success() {
        bail!(
            "{} -Tsvg failed ({}): {}",
            dot.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Problems go to standard error so the graph on standard output stays machine-readable.
fn report(analysis: &FileAnalysis, input: &Source) {
    let index = LineIndex::new(&input.text);
    let color = output::color_enabled();
    for d in analysis.diagnostics() {
        eprintln!(
            "{}",
            output::diagnostic_lines(d, &input.path, &input.text, &index, color)
        );
    }
}
