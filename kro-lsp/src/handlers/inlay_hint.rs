//! `textDocument/inlayHint`: the CRD type each status field gets, after its expression.

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{InlayHint, InlayHintParams};

use crate::convert::{from_proto, to_proto};
use crate::documents::Snapshot;

pub(crate) fn handle(snap: &Snapshot, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
    let range = from_proto::text_range(snap, params.range);
    let hints = snap.analysis().inlay_hints(range).into_iter();
    Ok(Some(hints.map(|h| to_proto::inlay_hint(snap, h)).collect()))
}
