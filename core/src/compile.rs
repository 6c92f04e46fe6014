//! The compiler's entry point: RGD text in, every RGD of the file compiled, diagnostics out.
//!
//! Stages run in pipeline order and never stop the pipeline: each returns what it could make
//! plus diagnostics, so the editor gets answers on a broken file and the CLI reports every
//! problem at once.

mod expressions;

use std::sync::Arc;

pub use expressions::{
    Dimension, Expression, ResourceExpressions, Slot, StatusExpressions, environment,
};

use crate::check;
use crate::diagnostic::Diagnostic;
use crate::graph::render::{GraphView, ResourceView};
use crate::graph::{self, Graph};
use crate::openapi::{Builtin, CrdSchemas, Layered, Schema, SchemaSource};
use crate::rgd::{self, Rgd};
use crate::schema::{self, CrdSpec, Ownership, SimpleSchema};
use crate::syntax::{self, Parsed};

/// What the compiler knows of the world, and knobs that mirror the controller's flags.
#[derive(Clone)]
pub struct Options {
    /// Schemas of the kinds templates may use (built-in kinds, CRDs).
    pub schemas: Arc<dyn SchemaSource>,
    /// Most forEach dimensions (`--rgd-max-collection-dimension-size`).
    pub max_collection_dimensions: usize,
}

impl Options {
    /// The bundled built-in kinds plus the given CRD kinds (asked first).
    pub fn with_crds(crds: CrdSchemas) -> Self {
        Options {
            schemas: Arc::new(Layered::new().with(Arc::new(crds)).with(Arc::new(Builtin))),
            ..Options::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schemas: Arc::new(Builtin),
            max_collection_dimensions: check::DEFAULT_MAX_COLLECTION_DIMENSIONS,
        }
    }
}

/// One compiled RGD.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Index of the document in the file.
    pub document: usize,
    /// The typed model.
    pub rgd: Rgd,
    /// What `spec.schema` says about the CRD (kind, version, group, scope, names, columns).
    pub crd_spec: CrdSpec,
    /// The instance's spec as OpenAPI, with where each field is defined.
    pub spec: SimpleSchema,
    /// The instance's status as OpenAPI, inferred from the status expressions' types.
    pub status: Schema,
    /// For each resource (in declaration order), its checked expressions.
    pub expressions: Vec<ResourceExpressions>,
    /// The status fields and conditions, checked.
    pub status_expressions: StatusExpressions,
    /// The dependency graph.
    pub graph: Graph,
    /// Problems found in this RGD.
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    /// The CRD the controller creates for this RGD; `owner` carries the values only a running
    /// controller knows (leave them `None` offline).
    pub fn crd(&self, owner: &Ownership) -> serde_json::Value {
        let mut owner = owner.clone();
        if owner.rgd_name.is_none() {
            owner.rgd_name = self.rgd.name.as_ref().map(|n| n.value.clone());
        }
        schema::generate(&self.crd_spec, &self.spec.schema, &self.status, &owner)
    }

    /// The graph as the renderers and editors show it.
    pub fn graph_view(&self) -> GraphView {
        let ids = |set: &std::collections::BTreeSet<usize>| {
            set.iter().map(|&i| self.graph.ids[i].clone()).collect()
        };
        GraphView {
            name: self
                .rgd
                .name
                .as_ref()
                .map_or_else(String::new, |n| n.value.clone()),
            kind: self
                .rgd
                .schema
                .as_ref()
                .and_then(|s| s.kind.as_ref())
                .map(|k| k.value.clone()),
            resources: self
                .rgd
                .resources
                .iter()
                .enumerate()
                .map(|(i, r)| ResourceView {
                    id: r.id.value.clone(),
                    api_version: r.api_version().map(|s| s.value),
                    kind: r.kind().map(|s| s.value),
                    wave: self.graph.waves.get(i).copied().unwrap_or(0),
                    dependencies: self.graph.dependencies.get(i).map(ids).unwrap_or_default(),
                    dependents: self.graph.dependents.get(i).map(ids).unwrap_or_default(),
                    conditional: !r.include_when.is_empty(),
                    collection: r.is_collection(),
                    external: r.external_ref.is_some(),
                })
                .collect(),
            topological_order: self
                .graph
                .order_ids()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Whether the RGD compiled without errors.
    pub fn is_valid(&self) -> bool {
        !self
            .diagnostics
            .iter()
            .any(|d| d.severity() == crate::diagnostic::Severity::Error)
    }
}

/// Everything the compiler learned about one file.
#[derive(Clone, Debug)]
pub struct FileAnalysis {
    /// The YAML documents.
    pub parsed: Parsed,
    /// The RGDs among them, in file order.
    pub rgds: Vec<Compiled>,
}

impl FileAnalysis {
    /// All diagnostics of the file (syntax first, then each RGD's), in text order.
    pub fn diagnostics(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self.parsed.diagnostics.iter().collect();
        all.extend(self.rgds.iter().flat_map(|c| &c.diagnostics));
        all.sort_by_key(|d| (d.range.start, d.range.end));
        all
    }

    /// Whether the file has any error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics()
            .iter()
            .any(|d| d.severity() == crate::diagnostic::Severity::Error)
    }
}

/// Compiles every RGD in `text`.
pub fn compile_file(text: &str, options: &Options) -> FileAnalysis {
    let parsed = syntax::parse(text);
    let rgds = parsed
        .documents
        .iter()
        .enumerate()
        .filter_map(|(i, doc)| {
            let root = doc.root.as_ref().filter(|r| rgd::is_rgd(r))?;
            Some(compile_document(text, i, root, options))
        })
        .collect();
    FileAnalysis { parsed, rgds }
}

fn compile_document(
    text: &str,
    document: usize,
    root: &syntax::Node,
    options: &Options,
) -> Compiled {
    let (rgd, mut diagnostics) = rgd::lower(root);
    let (crd_spec, spec) = match &rgd.schema {
        Some(section) => {
            let (crd_spec, crd_diagnostics) = CrdSpec::read(&section.node);
            diagnostics.extend(crd_diagnostics);
            let spec = schema::compile(text, section.spec.as_ref(), section.types.as_ref());
            (crd_spec, spec)
        }
        None => (CrdSpec::default(), schema::compile(text, None, None)),
    };
    diagnostics.extend(spec.diagnostics.iter().cloned());
    let is_namespaced = |api_version: &str, kind: &str| {
        options
            .schemas
            .kind(api_version, kind)
            .map(|info| info.namespaced)
    };
    let cx = check::Context {
        is_namespaced: &is_namespaced,
        max_collection_dimensions: options.max_collection_dimensions,
    };
    diagnostics.extend(check::structure(&rgd, &cx));
    let cel = expressions::check(text, &rgd, &spec.schema, &*options.schemas);
    diagnostics.extend(cel.diagnostics);
    let nodes: Vec<graph::NodeInput> = rgd
        .resources
        .iter()
        .zip(cel.references)
        .map(|(r, references)| graph::NodeInput {
            id: r.id.value.clone(),
            range: r.id.range,
            references,
        })
        .collect();
    let (graph, graph_diagnostics) = graph::build(&nodes);
    diagnostics.extend(graph_diagnostics);
    Compiled {
        document,
        rgd,
        crd_spec,
        spec,
        status: cel.status.schema.clone(),
        expressions: cel.resources,
        status_expressions: cel.status,
        graph,
        diagnostics,
    }
}

#[cfg(test)]
mod tests;
