//! `kro/graph` (custom): the dependency graph of each RGD in the file, as
//! `kro_core::graph::render::GraphView` JSON — what the editors' graph view draws.

use kro_core::graph::render::GraphView;
use serde::Deserialize;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::TextDocumentIdentifier;

use crate::documents::Snapshot;

/// Parameters of `kro/graph`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphParams {
    pub(crate) text_document: TextDocumentIdentifier,
}

pub(crate) fn handle(snap: &Snapshot, _: GraphParams) -> Result<Vec<GraphView>> {
    Ok(snap.analysis().graphs())
}
