//! `textDocument/definition`: a resource id's `id:`, a spec field's declaration.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn handle(
    snap: &Snapshot,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>> {
    let offset = from_proto::offset(snap, params.text_document_position_params.position);
    let target = snap.analysis().goto_definition(offset);
    Ok(target.map(|t| GotoDefinitionResponse::Scalar(to_proto::location(snap, t.focus_range))))
}
