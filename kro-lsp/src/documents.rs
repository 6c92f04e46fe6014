//! The open documents: their text as a rope, edited in place, and immutable snapshots that
//! requests analyse.
//!
//! Edits are applied synchronously, under one lock, in the order the notifications arrive, so
//! a document's changes are serialised however many requests run at once. A snapshot is
//! analysed at most once, by whichever request or diagnostics run needs it first, with the
//! session's [`Inputs`] (cluster mode replaces them, and drops every snapshot).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use kro_core::compile::Options;
use kro_core::ide::{Analysis, Baselines};
use ropey::Rope;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::convert::{LineIndex, from_proto};

/// One document's text at one version, and what is known about it.
pub(crate) struct Snapshot {
    pub(crate) uri: Uri,
    pub(crate) version: i32,
    pub(crate) text: Arc<str>,
    pub(crate) line_index: LineIndex,
    inputs: Inputs,
    analysis: OnceLock<Analysis>,
}

/// What documents are analysed with besides their text: the compiler's options (the kinds it
/// knows) and the CRDs breaking changes are found against.
#[derive(Clone, Default)]
pub(crate) struct Inputs {
    pub(crate) options: Options,
    pub(crate) baselines: Arc<Baselines>,
}

impl Snapshot {
    fn new(uri: Uri, version: i32, text: String, inputs: Inputs) -> Self {
        Snapshot {
            line_index: LineIndex::new(&text),
            text: text.into(),
            uri,
            version,
            inputs,
            analysis: OnceLock::new(),
        }
    }

    /// The analysis of this text, computed on first use.
    pub(crate) fn analysis(&self) -> &Analysis {
        self.analysis.get_or_init(|| {
            let Inputs { options, baselines } = &self.inputs;
            Analysis::with_baselines(&*self.text, options, baselines)
        })
    }
}

struct Document {
    rope: Rope,
    version: i32,
    /// The snapshot of the current version, once someone asked for it.
    snapshot: Option<Arc<Snapshot>>,
    /// Whether the last diagnostics published for it were not empty.
    published: bool,
}

/// Every open document.
#[derive(Default)]
pub(crate) struct Documents {
    open: Mutex<HashMap<Uri, Document>>,
    /// What new snapshots are analysed with.
    inputs: Mutex<Inputs>,
}

impl Documents {
    pub(crate) fn open(&self, uri: Uri, version: i32, text: &str) {
        let document = Document {
            rope: Rope::from_str(text),
            version,
            snapshot: None,
            published: false,
        };
        self.lock().insert(uri, document);
    }

    /// Applies `changes` in order; whole-text changes replace the rope.
    pub(crate) fn change(
        &self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> bool {
        let mut open = self.lock();
        let Some(document) = open.get_mut(uri) else {
            tracing::warn!(uri = uri.as_str(), "change to a document that is not open");
            return false;
        };
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = from_proto::rope_char(&document.rope, range.start);
                    let end = from_proto::rope_char(&document.rope, range.end).max(start);
                    document.rope.remove(start..end);
                    document.rope.insert(start, &change.text);
                }
                None => document.rope = Rope::from_str(&change.text),
            }
        }
        document.version = version;
        document.snapshot = None;
        true
    }

    /// Forgets a document; whether diagnostics had been published for it.
    pub(crate) fn close(&self, uri: &Uri) -> bool {
        self.lock().remove(uri).is_some_and(|d| d.published)
    }

    /// The current snapshot of a document.
    pub(crate) fn snapshot(&self, uri: &Uri) -> Option<Arc<Snapshot>> {
        let mut open = self.lock();
        let document = open.get_mut(uri)?;
        let snapshot = document.snapshot.get_or_insert_with(|| {
            let inputs = self.inputs.lock().unwrap_or_else(|e| e.into_inner());
            Arc::new(Snapshot::new(
                uri.clone(),
                document.version,
                document.rope.to_string(),
                inputs.clone(),
            ))
        });
        Some(snapshot.clone())
    }

    /// Analyses every document with `inputs` from now on; the open documents, whose
    /// snapshots are dropped.
    pub(crate) fn set_inputs(&self, inputs: Inputs) -> Vec<Uri> {
        let mut open = self.lock();
        *self.inputs.lock().unwrap_or_else(|e| e.into_inner()) = inputs;
        open.values_mut().for_each(|d| d.snapshot = None);
        open.keys().cloned().collect()
    }

    /// The document's current version.
    pub(crate) fn version(&self, uri: &Uri) -> Option<i32> {
        self.lock().get(uri).map(|d| d.version)
    }

    /// Records whether the diagnostics just published were empty; returns the previous state.
    pub(crate) fn set_published(&self, uri: &Uri, published: bool) -> bool {
        self.lock()
            .get_mut(uri)
            .map(|d| std::mem::replace(&mut d.published, published))
            .unwrap_or(false)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uri, Document>> {
        // A panic while holding the lock leaves the map consistent (edits are single calls).
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}
