//! One module per feature: convert the request in, ask `kro_core::ide`, convert the answer
//! out. Handlers are plain functions of a [`Snapshot`](crate::documents::Snapshot); the server
//! runs them off the async threads and keeps them away from non-RGD files.

pub(crate) mod code_action;
pub(crate) mod code_lens;
pub(crate) mod completion;
pub(crate) mod definition;
pub(crate) mod diagnostics;
pub(crate) mod document_symbol;
pub(crate) mod graph;
pub(crate) mod hover;
pub(crate) mod inlay_hint;
pub(crate) mod references;
pub(crate) mod rename;
pub(crate) mod semantic_tokens;
