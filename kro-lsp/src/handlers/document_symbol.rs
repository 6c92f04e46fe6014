//! `textDocument/documentSymbol`: each RGD with its schema fields, status and resources.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{DocumentSymbolParams, DocumentSymbolResponse};

use crate::convert::to_proto;
use crate::documents::Snapshot;

pub(crate) fn handle(
    snap: &Snapshot,
    _: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>> {
    let symbols = snap.analysis().document_symbols().into_iter();
    let symbols = symbols
        .map(|s| to_proto::document_symbol(snap, s))
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(symbols)))
}
