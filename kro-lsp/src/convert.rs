//! Conversions between core's byte offsets and the protocol's positions, the only place that
//! knows LSP columns count UTF-16 code units.

mod line_index;

pub(crate) mod from_proto;
pub(crate) mod semantic_tokens;
pub(crate) mod to_proto;

pub(crate) use line_index::LineIndex;
