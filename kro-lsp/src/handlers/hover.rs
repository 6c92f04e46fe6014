//! `textDocument/hover`: a resource's place in the graph, a spec field's declaration.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Hover, HoverParams};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn handle(snap: &Snapshot, params: HoverParams) -> Result<Option<Hover>> {
    let offset = from_proto::offset(snap, params.text_document_position_params.position);
    let hover = snap.analysis().hover(offset);
    Ok(hover.map(|h| to_proto::hover(snap, h)))
}
