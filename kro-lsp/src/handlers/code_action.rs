//! `textDocument/codeAction`: the quick fixes of the diagnostics in the range.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{CodeActionOrCommand, CodeActionParams, CodeActionResponse};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn handle(
    snap: &Snapshot,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let range = from_proto::text_range(snap, params.range);
    let fixes = snap.analysis().fixes(range).into_iter();
    let actions = fixes.map(|a| CodeActionOrCommand::CodeAction(to_proto::code_action(snap, a)));
    Ok(Some(actions.collect()))
}
