//! Questions an editor asks about an RGD file, answered in editor terms (offsets, ranges,
//! plain structs) and knowing nothing of the Language Server Protocol.
//!
//! An [`Analysis`] is an immutable snapshot of one file: the text, everything the compiler
//! learned about it ([`compile::compile_file`](crate::compile::compile_file)), and an index of
//! where each identifier is used in `${…}` expressions. Every query takes byte offsets and
//! returns plain structs with byte ranges; the language server converts them to its protocol.
//!
//! Queries never fail on input: a half-typed file gets the answers that can be given.
//! Completion, in particular, reads the cursor's context from the text itself (indentation,
//! the `${` before the cursor), so it works where the YAML parser gave up.

mod baseline;
mod cel_env;
mod code_lens;
mod completion;
mod fixes;
mod functions;
mod hover;
mod inlay_hints;
mod navigation;
mod position;
mod rename;
mod required_fields;
mod scan;
mod semantic_tokens;
mod spec_tree;
mod symbols;
mod uses;

#[cfg(test)]
mod fixture;

use std::sync::Arc;

use crate::compile::{self, Compiled, FileAnalysis, Options};
use crate::diagnostic::Diagnostic;
use crate::graph::render::GraphView;
use crate::openapi::SchemaSource;
use crate::rgd::Resource;
use crate::syntax::{ScalarOffsets, ScalarStyle};
use crate::text::TextRange;

pub use crate::diagnostic::TextEdit;
pub use baseline::Baselines;
pub use code_lens::{Lens, LensKind};
pub use completion::{CompletionItem, CompletionKind};
pub use fixes::Assist;
pub use hover::HoverResult;
pub use inlay_hints::InlayHint;
pub use navigation::{NavigationTarget, References};
pub use rename::{RenameError, RenameTarget};
pub use semantic_tokens::{Highlight, HighlightKind};
pub use symbols::{Symbol, SymbolKind};

use uses::Use;

/// One file, analysed; the receiver of every editor query.
#[derive(Clone)]
pub struct Analysis {
    text: String,
    file: FileAnalysis,
    /// For each compiled RGD (same order as `file.rgds`), the uses of identifiers.
    uses: Vec<Vec<Use>>,
    /// The schemas the file was compiled against (kinds for completion, types for CEL).
    schemas: Arc<dyn SchemaSource>,
}

impl Analysis {
    /// Analyses `text` with the default compiler options.
    pub fn new(text: impl Into<String>) -> Analysis {
        Analysis::with_options(text, &Options::default())
    }

    /// Analyses `text`.
    pub fn with_options(text: impl Into<String>, options: &Options) -> Analysis {
        Analysis::with_baselines(text, options, &Baselines::new())
    }

    /// Analyses `text`, and reports what its RGDs' CRDs would break in the CRDs of the same
    /// name in `baselines` (the cluster's, in cluster mode).
    pub fn with_baselines(
        text: impl Into<String>,
        options: &Options,
        baselines: &Baselines,
    ) -> Analysis {
        let text = text.into();
        let mut file = compile::compile_file(&text, options);
        if !baselines.is_empty() {
            file.rgds
                .iter_mut()
                .for_each(|compiled| baseline::check(compiled, baselines));
        }
        let uses: Vec<Vec<Use>> = file
            .rgds
            .iter()
            .map(|compiled| uses::collect(&text, compiled))
            .collect();
        Analysis {
            text,
            file,
            uses,
            schemas: options.schemas.clone(),
        }
    }

    /// The analysed text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What the compiler learned about the file.
    pub fn file(&self) -> &FileAnalysis {
        &self.file
    }

    /// Whether the file holds a ResourceGraphDefinition, even one too broken to parse. Editors
    /// should leave other YAML alone (no diagnostics, no completion), for other tools to serve.
    pub fn is_rgd_file(&self) -> bool {
        !self.file.rgds.is_empty()
            || self.text.lines().any(|line| {
                line.strip_prefix("kind:").is_some_and(|value| {
                    let value = value.split(" #").next().unwrap_or("").trim();
                    value.trim_matches(|c| c == '"' || c == '\'') == crate::rgd::KIND
                })
            })
    }

    /// Every diagnostic of the file (syntax and each RGD's), in text order.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.file.diagnostics().into_iter().cloned().collect()
    }

    /// The dependency graph of each RGD in the file, in file order.
    pub fn graphs(&self) -> Vec<GraphView> {
        self.file.rgds.iter().map(Compiled::graph_view).collect()
    }

    /// The RGD the offset falls in: the one whose document starts last at or before it (a
    /// document cut short by a syntax error still owns the text after the error).
    fn rgd_at(&self, offset: usize) -> Option<Rgd<'_>> {
        let document = self
            .file
            .parsed
            .documents
            .iter()
            .rposition(|d| d.range.start <= offset)?;
        let index = self.file.rgds.iter().position(|c| c.document == document)?;
        Some(Rgd {
            compiled: &self.file.rgds[index],
            uses: &self.uses[index],
            text: &self.text,
        })
    }
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("bytes", &self.text.len())
            .field("rgds", &self.file.rgds.len())
            .finish_non_exhaustive()
    }
}

/// One compiled RGD with its uses, the unit most queries work on.
#[derive(Clone, Copy)]
struct Rgd<'a> {
    compiled: &'a Compiled,
    uses: &'a [Use],
    text: &'a str,
}

impl<'a> Rgd<'a> {
    fn resources(&self) -> &'a [Resource] {
        &self.compiled.rgd.resources
    }

    /// The resource with id `id`.
    fn resource(&self, id: &str) -> Option<(usize, &'a Resource)> {
        self.resources()
            .iter()
            .enumerate()
            .find(|(_, r)| !r.id.value.is_empty() && r.id.value == id)
    }

    /// The resource whose entry holds `offset`.
    fn resource_containing(&self, offset: usize) -> Option<(usize, &'a Resource)> {
        self.resources()
            .iter()
            .enumerate()
            .rfind(|(_, r)| r.node.range.start <= offset)
            .filter(|(_, r)| r.node.range.contains_inclusive(offset) || self.is_last(r))
    }

    fn is_last(&self, resource: &Resource) -> bool {
        resource.index + 1 == self.resources().len()
    }

    /// The range of a resource id's text, without quotes.
    fn id_name_range(&self, resource: &Resource) -> TextRange {
        name_range(self.text, resource.node.get("id"), resource.id.range)
    }

    /// Where the uses of resource `id` are written.
    fn uses_of(&self, id: &str) -> impl Iterator<Item = &'a Use> {
        self.uses.iter().filter(move |u| u.name == id)
    }
}

/// The range of a string scalar's decoded text in the source (inside any quotes).
fn name_range(text: &str, node: Option<&crate::syntax::Node>, fallback: TextRange) -> TextRange {
    let Some(node) = node else { return fallback };
    match node.as_string() {
        Some(s) if s.style == ScalarStyle::Plain => node.range,
        Some(s) => match ScalarOffsets::of(text, node) {
            Some(offsets) if offsets.is_exact() => {
                offsets.range_to_source(TextRange::new(0, s.text.len()))
            }
            _ => fallback,
        },
        None => fallback,
    }
}

#[cfg(test)]
mod tests;
