//! Highlights → `SemanticTokens`: the legend the server advertises, and the relative
//! line/UTF-16 encoding of the protocol (one token per line; a highlight that runs across lines
//! of a block scalar is split).

use kro_core::ide::{Highlight, HighlightKind};
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};

use crate::documents::Snapshot;

/// The token types, in legend order (a token's type is its index here).
const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::METHOD,
    SemanticTokenType::MACRO,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::OPERATOR,
];

/// The token modifiers, in legend order (bit `i` is modifier `i`).
const MODIFIERS: [SemanticTokenModifier; 2] = [
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::READONLY,
];

const DEFAULT_LIBRARY: u32 = 1 << 0;
const READONLY: u32 = 1 << 1;

pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// The legend type and modifier bits of a highlight.
fn token_type(kind: HighlightKind) -> (SemanticTokenType, u32) {
    use HighlightKind as K;
    match kind {
        // `${ … }` reads like a keyword of the template language (as `${` in a JS template).
        K::Delimiter | K::Keyword => (SemanticTokenType::KEYWORD, 0),
        K::Schema => (SemanticTokenType::VARIABLE, DEFAULT_LIBRARY | READONLY),
        K::Resource => (SemanticTokenType::VARIABLE, READONLY),
        K::Unknown => (SemanticTokenType::VARIABLE, 0),
        K::Iterator => (SemanticTokenType::PARAMETER, READONLY),
        K::Local => (SemanticTokenType::PARAMETER, 0),
        K::Field => (SemanticTokenType::PROPERTY, 0),
        K::Function => (SemanticTokenType::FUNCTION, DEFAULT_LIBRARY),
        K::Method => (SemanticTokenType::METHOD, DEFAULT_LIBRARY),
        K::Macro => (SemanticTokenType::MACRO, DEFAULT_LIBRARY),
        K::Namespace => (SemanticTokenType::NAMESPACE, DEFAULT_LIBRARY),
        K::String => (SemanticTokenType::STRING, 0),
        K::Number => (SemanticTokenType::NUMBER, 0),
        K::Operator => (SemanticTokenType::OPERATOR, 0),
    }
}

/// The highlights (in text order, not overlapping), encoded relative to each other.
pub(crate) fn semantic_tokens(snapshot: &Snapshot, highlights: &[Highlight]) -> SemanticTokens {
    let text = &*snapshot.text;
    let mut data = Vec::with_capacity(highlights.len());
    let (mut line, mut character) = (0, 0);
    for highlight in highlights {
        let (ty, modifiers) = token_type(highlight.kind);
        let index = TYPES.iter().position(|t| *t == ty).unwrap_or(0) as u32;
        let (start, end) = (highlight.range.start, highlight.range.end.min(text.len()));
        let mut at = start;
        for piece in text.get(start..end).unwrap_or_default().split('\n') {
            let piece_start = at;
            at += piece.len() + 1;
            // Continuation lines of a block scalar: the token starts after the indentation.
            let trimmed = piece.trim_start();
            let piece_start = piece_start + piece.len() - trimmed.len();
            let trimmed = trimmed.trim_end_matches('\r');
            if trimmed.is_empty() {
                continue;
            }
            let position = snapshot.line_index.position(text, piece_start);
            let delta_line = position.line - line;
            let delta_start = if delta_line == 0 {
                position.character - character
            } else {
                position.character
            };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length: trimmed.encode_utf16().count() as u32,
                token_type: index,
                token_modifiers_bitset: modifiers,
            });
            (line, character) = (position.line, position.character);
        }
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}
