//! `textDocument/references`: every `${…}` use of a resource id or spec field.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{Location, ReferenceParams};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn handle(snap: &Snapshot, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
    let offset = from_proto::offset(snap, params.text_document_position.position);
    let Some(refs) = snap.analysis().find_references(offset) else {
        return Ok(None);
    };
    let declaration = params
        .context
        .include_declaration
        .then_some(refs.declaration.focus_range);
    let ranges = declaration.into_iter().chain(refs.uses);
    Ok(Some(ranges.map(|r| to_proto::location(snap, r)).collect()))
}
