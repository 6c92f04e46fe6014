//! `textDocument/prepareRename` and `textDocument/rename` for resource ids and spec fields.

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    PrepareRenameResponse, RenameParams, TextDocumentPositionParams, WorkspaceEdit,
};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn prepare(
    snap: &Snapshot,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>> {
    let offset = from_proto::offset(snap, params.position);
    let target = snap
        .analysis()
        .prepare_rename(offset)
        .map_err(|e| Error::invalid_params(e.to_string()))?;
    let range = to_proto::range(snap, target.range);
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range,
        placeholder: target.placeholder,
    }))
}

pub(crate) fn handle(snap: &Snapshot, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
    let offset = from_proto::offset(snap, params.text_document_position.position);
    let edits = snap
        .analysis()
        .rename(offset, &params.new_name)
        .map_err(|e| Error::invalid_params(e.to_string()))?;
    Ok(Some(to_proto::workspace_edit(snap, &edits)))
}
