//! `textDocument/completion`.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CompletionParams, CompletionResponse};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn handle(
    snap: &Snapshot,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>> {
    let offset = from_proto::offset(snap, params.text_document_position.position);
    let items = snap.analysis().completions(offset).into_iter().enumerate();
    let items = items.map(|(i, item)| to_proto::completion_item(snap, i, item));
    Ok(Some(CompletionResponse::Array(items.collect())))
}
