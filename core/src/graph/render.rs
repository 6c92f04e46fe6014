//! Text renderings of a compiled graph: a terminal view with waves, Graphviz dot, Mermaid and
//! JSON. Pure string building, shared by the CLI and the language server.

use serde::Serialize;

/// What a rendering shows of one resource.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceView {
    /// The resource id.
    pub id: String,
    /// `apiVersion` of the object, when known.
    pub api_version: Option<String>,
    /// `kind` of the object, when known.
    pub kind: Option<String>,
    /// 1-based apply wave (0 when on a cycle).
    pub wave: usize,
    /// Ids this resource depends on, in declaration order.
    pub dependencies: Vec<String>,
    /// Ids that depend on this resource, in declaration order.
    pub dependents: Vec<String>,
    /// Whether `includeWhen` may leave it out.
    pub conditional: bool,
    /// Whether it expands to many objects (forEach or a selector).
    pub collection: bool,
    /// Whether it is read from the cluster rather than created.
    pub external: bool,
}

/// A whole graph, ready to render.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphView {
    /// The RGD's `metadata.name`.
    pub name: String,
    /// The kind the RGD defines.
    pub kind: Option<String>,
    /// Resources in declaration order.
    pub resources: Vec<ResourceView>,
    /// Resource ids in topological order.
    pub topological_order: Vec<String>,
}

impl GraphView {
    fn markers(r: &ResourceView) -> String {
        let mut markers = Vec::new();
        if r.external {
            markers.push("external");
        }
        if r.collection {
            markers.push("collection");
        }
        if r.conditional {
            markers.push("conditional");
        }
        if markers.is_empty() {
            String::new()
        } else {
            format!(" [{}]", markers.join(", "))
        }
    }

    /// A readable terminal view: one block per wave, each resource with its kind, markers and
    /// what it waits for.
    pub fn to_ascii(&self) -> String {
        let mut out = format!(
            "{}{}\n",
            self.name,
            self.kind
                .as_ref()
                .map(|k| format!(" (kind {k})"))
                .unwrap_or_default()
        );
        if self.resources.is_empty() {
            out.push_str("  (no resources)\n");
            return out;
        }
        let waves = self.resources.iter().map(|r| r.wave).max().unwrap_or(0);
        let id_width = self.resources.iter().map(|r| r.id.len()).max().unwrap_or(0);
        let kind_width = self
            .resources
            .iter()
            .map(|r| r.kind.as_deref().unwrap_or("?").len())
            .max()
            .unwrap_or(0);
        let in_order = |wave: usize| {
            self.topological_order
                .iter()
                .filter_map(|id| self.resources.iter().find(|r| &r.id == id))
                .filter(move |r| r.wave == wave)
        };
        for wave in 1..=waves {
            out.push_str(&format!("├─ wave {wave}\n"));
            for r in in_order(wave) {
                let after = if r.dependencies.is_empty() {
                    String::new()
                } else {
                    format!("  ← {}", r.dependencies.join(", "))
                };
                let line = format!(
                    "│  {:id_width$}  {:kind_width$}{}{after}",
                    r.id,
                    r.kind.as_deref().unwrap_or("?"),
                    Self::markers(r),
                );
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        let cyclic: Vec<&str> = self
            .resources
            .iter()
            .filter(|r| r.wave == 0)
            .map(|r| r.id.as_str())
            .collect();
        if !cyclic.is_empty() {
            out.push_str(&format!("└─ on a cycle: {}\n", cyclic.join(", ")));
        } else {
            out.push_str("└─ done\n");
        }
        out
    }

    /// Graphviz dot: an edge from each dependency to its dependent.
    pub fn to_dot(&self) -> String {
        let mut out = format!(
            "digraph {} {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
            quote(&self.name)
        );
        for r in &self.resources {
            let mut label = format!("{}\\n{}", r.id, r.kind.as_deref().unwrap_or("?"));
            label.push_str(&Self::markers(r));
            let style = if r.external {
                ", style=\"rounded,dashed\""
            } else {
                ""
            };
            out.push_str(&format!(
                "  {} [label={}{style}];\n",
                quote(&r.id),
                quote(&label)
            ));
        }
        for r in &self.resources {
            for dependency in &r.dependencies {
                out.push_str(&format!("  {} -> {};\n", quote(dependency), quote(&r.id)));
            }
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for r in &self.resources {
            let label = format!(
                "{}<br/>{}{}",
                r.id,
                r.kind.as_deref().unwrap_or("?"),
                Self::markers(r)
            );
            let (open, close) = if r.external { ("[/", "/]") } else { ("[", "]") };
            out.push_str(&format!(
                "  {}{open}\"{}\"{close}\n",
                r.id,
                label.replace('"', "'")
            ));
        }
        for r in &self.resources {
            for dependency in &r.dependencies {
                out.push_str(&format!("  {dependency} --> {}\n", r.id));
            }
        }
        out
    }
}

/// A dot identifier: always quoted, with quotes and backslashes escaped (`\n` kept as dot's
/// line break).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\\\""))
}
