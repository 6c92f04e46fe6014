//! The dependency graph of an RGD's resources: edges, topological order and apply waves.
//!
//! A resource depends on every resource its template, forEach or includeWhen expressions
//! name (readyWhen and `schema` references add no edges). The order is deterministic: among
//! resources whose dependencies are met, the one declared first comes first.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::diagnostic::{Code, Diagnostic};
use crate::text::TextRange;

pub mod render;

/// A resource as the graph sees it.
#[derive(Clone, Debug)]
pub struct NodeInput {
    /// The resource id.
    pub id: String,
    /// Where the id is written.
    pub range: TextRange,
    /// Resource ids this resource's expressions name, with where each is named.
    pub references: Vec<(String, TextRange)>,
}

/// The resources' dependency graph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Resource ids in declaration order; indices below refer to this list.
    pub ids: Vec<String>,
    /// For each resource, the resources it depends on.
    pub dependencies: Vec<BTreeSet<usize>>,
    /// For each resource, the resources that depend on it.
    pub dependents: Vec<BTreeSet<usize>>,
    /// A topological order (dependencies first). Resources on a cycle are left out.
    pub order: Vec<usize>,
    /// For each resource, its 1-based apply wave: leaves (nothing depends on them) get the
    /// highest wave, and deletion goes highest wave first. 0 for resources on a cycle.
    pub waves: Vec<usize>,
}

impl Graph {
    /// The index of a resource id.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|i| i == id)
    }

    /// The ids in topological order.
    pub fn order_ids(&self) -> Vec<&str> {
        self.order.iter().map(|&i| self.ids[i].as_str()).collect()
    }

    /// The highest wave.
    pub fn wave_count(&self) -> usize {
        self.waves.iter().copied().max().unwrap_or(0)
    }

    /// Edges `(dependency, dependent)` sorted by ids, the stable text form of the graph.
    pub fn edges(&self) -> Vec<(&str, &str)> {
        let mut edges: Vec<(&str, &str)> = self
            .dependencies
            .iter()
            .enumerate()
            .flat_map(|(to, from)| from.iter().map(move |&f| (f, to)))
            .map(|(f, t)| (self.ids[f].as_str(), self.ids[t].as_str()))
            .collect();
        edges.sort();
        edges
    }
}

/// Builds the graph; self references and cycles are reported, and the rest of the graph is
/// still returned so editors can show it.
pub fn build(nodes: &[NodeInput]) -> (Graph, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut graph: DiGraph<usize, TextRange> = DiGraph::new();
    let indices: Vec<NodeIndex> = (0..nodes.len()).map(|i| graph.add_node(i)).collect();
    let position = |id: &str| nodes.iter().position(|n| n.id == id);

    for (i, node) in nodes.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for (reference, range) in &node.references {
            let Some(target) = position(reference) else {
                continue; // unknown identifiers are reported by the type checker
            };
            if target == i {
                diagnostics.push(Diagnostic::new(
                    Code::SelfReference,
                    *range,
                    format!(
                        "`{}` refers to itself; a resource can only use other resources' fields",
                        node.id
                    ),
                ));
                continue;
            }
            if seen.insert(target) {
                // Edge direction: dependency → dependent.
                graph.add_edge(indices[target], indices[i], *range);
            }
        }
    }

    let n = nodes.len();
    let mut result = Graph {
        ids: nodes.iter().map(|n| n.id.clone()).collect(),
        dependencies: vec![BTreeSet::new(); n],
        dependents: vec![BTreeSet::new(); n],
        order: Vec::with_capacity(n),
        waves: vec![0; n],
    };
    for edge in graph.raw_edges() {
        let (from, to) = (graph[edge.source()], graph[edge.target()]);
        result.dependencies[to].insert(from);
        result.dependents[from].insert(to);
    }

    result.order = kahn(n, &result.dependencies, &result.dependents);
    if result.order.len() < n {
        report_cycles(&graph, nodes, &result, &mut diagnostics);
    }
    result.waves = waves(n, &result.dependencies, &result.dependents);
    (result, diagnostics)
}

/// Kahn's algorithm, choosing the earliest-declared ready resource each step.
fn kahn(n: usize, before: &[BTreeSet<usize>], after: &[BTreeSet<usize>]) -> Vec<usize> {
    let mut remaining: Vec<usize> = before.iter().map(BTreeSet::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| remaining[i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &next in &after[i] {
            remaining[next] -= 1;
            if remaining[next] == 0 {
                ready.push(Reverse(next));
            }
        }
    }
    order
}

/// Apply waves: peel layers from the leaves; the first layer peeled gets the highest wave.
fn waves(n: usize, dependencies: &[BTreeSet<usize>], dependents: &[BTreeSet<usize>]) -> Vec<usize> {
    let mut remaining: Vec<usize> = dependents.iter().map(BTreeSet::len).collect();
    let mut layer: Vec<usize> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut layers = Vec::new();
    while !layer.is_empty() {
        let mut next = Vec::new();
        for &i in &layer {
            for &dependency in &dependencies[i] {
                remaining[dependency] -= 1;
                if remaining[dependency] == 0 {
                    next.push(dependency);
                }
            }
        }
        next.sort_unstable();
        layers.push(std::mem::replace(&mut layer, next));
    }
    let mut waves = vec![0; n];
    let count = layers.len();
    for (depth, layer) in layers.into_iter().enumerate() {
        for i in layer {
            waves[i] = count - depth;
        }
    }
    waves
}

/// Reports one diagnostic per cycle, naming its path (`a -> b -> a`) and pointing at each
/// reference that closes a step.
fn report_cycles(
    graph: &DiGraph<usize, TextRange>,
    nodes: &[NodeInput],
    result: &Graph,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut components = petgraph::algo::tarjan_scc(graph);
    for component in &mut components {
        component.sort_by_key(|ix| graph[*ix]);
    }
    components.sort_by_key(|c| graph[c[0]]);
    for component in components.into_iter().filter(|c| c.len() > 1) {
        let members: BTreeSet<usize> = component.iter().map(|ix| graph[*ix]).collect();
        let cycle = cycle_path(&members, &result.dependencies);
        let names: Vec<&str> = cycle.iter().map(|&i| nodes[i].id.as_str()).collect();
        let first = cycle[0];
        let mut diagnostic = Diagnostic::new(
            Code::DependencyCycle,
            nodes[first].range,
            format!(
                "resources depend on each other in a cycle: {}; break it by removing one of these references",
                names.join(" -> ")
            ),
        );
        for step in cycle.windows(2) {
            let (from, to) = (step[0], step[1]);
            let edge = graph
                .edges_directed(NodeIndex::new(from), Direction::Incoming)
                .find(|e| petgraph::visit::EdgeRef::source(e) == NodeIndex::new(to));
            if let Some(edge) = edge {
                diagnostic = diagnostic.with_related(
                    *edge.weight(),
                    format!("`{}` uses `{}` here", nodes[from].id, nodes[to].id),
                );
            }
        }
        diagnostics.push(diagnostic);
    }
}

/// A cycle through the earliest-declared member, following dependencies in declaration order:
/// `[a, b, …, a]`.
fn cycle_path(members: &BTreeSet<usize>, dependencies: &[BTreeSet<usize>]) -> Vec<usize> {
    let start = *members.first().expect("a cycle has members");
    let mut path = vec![start];
    let mut visited = BTreeSet::from([start]);
    let mut current = start;
    loop {
        let deps = &dependencies[current];
        if deps.contains(&start) && path.len() > 1 {
            path.push(start);
            return path;
        }
        let next = deps
            .iter()
            .copied()
            .find(|d| members.contains(d) && !visited.contains(d))
            .or_else(|| deps.iter().copied().find(|d| *d == start));
        match next {
            Some(next) if next == start => {
                path.push(start);
                return path;
            }
            Some(next) => {
                visited.insert(next);
                path.push(next);
                current = next;
            }
            None => {
                // Dead end inside the component: close the path back to the start.
                path.push(start);
                return path;
            }
        }
    }
}

#[cfg(test)]
mod tests;
