//! `textDocument/codeLens`: above each resource's `id:`, its wave, dependencies and
//! dependents, and its markers (external, collection, conditional).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CodeLens, CodeLensParams};

use crate::convert::to_proto;
use crate::documents::Snapshot;

pub(crate) fn handle(snap: &Snapshot, _: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let lenses = snap.analysis().lenses().into_iter();
    Ok(Some(lenses.map(|l| to_proto::code_lens(snap, l)).collect()))
}
