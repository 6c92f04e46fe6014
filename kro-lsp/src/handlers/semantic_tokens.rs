//! `textDocument/semanticTokens/full` and `…/range`: CEL inside `${…}`, and nothing else of
//! the YAML (other servers colour that).

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    SemanticTokensParams, SemanticTokensRangeParams, SemanticTokensRangeResult,
    SemanticTokensResult,
};

use crate::convert::{from_proto, semantic_tokens};
use crate::documents::Snapshot;

pub(crate) fn full(
    snap: &Snapshot,
    _: SemanticTokensParams,
) -> Result<Option<SemanticTokensResult>> {
    let highlights = snap.analysis().highlights(None);
    let tokens = semantic_tokens::semantic_tokens(snap, &highlights);
    Ok(Some(SemanticTokensResult::Tokens(tokens)))
}

pub(crate) fn range(
    snap: &Snapshot,
    params: SemanticTokensRangeParams,
) -> Result<Option<SemanticTokensRangeResult>> {
    let range = from_proto::text_range(snap, params.range);
    let highlights = snap.analysis().highlights(Some(range));
    let tokens = semantic_tokens::semantic_tokens(snap, &highlights);
    Ok(Some(SemanticTokensRangeResult::Tokens(tokens)))
}
