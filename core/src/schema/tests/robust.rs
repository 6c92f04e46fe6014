//! Property tests: no input makes the SimpleSchema stages panic, and ranges stay in bounds.

use proptest::prelude::*;

use crate::schema::{compile, parse_markers, parse_type};
use crate::syntax::parse;

proptest! {
    #[test]
    fn marker_parser_never_panics(text in "\\PC{0,80}") {
        let (markers, errors) = parse_markers(&text, 0);
        for marker in &markers {
            prop_assert!(marker.range().end <= text.len());
            prop_assert!(text.is_char_boundary(marker.name_range.start));
            prop_assert!(text.is_char_boundary(marker.value_range.end));
        }
        for error in &errors {
            prop_assert!(error.range.end <= text.len());
        }
    }

    #[test]
    fn marker_parser_handles_marker_like_text(
        text in "( ?[a-zA-Z]{0,6}(=|==)?(\"[^\"]{0,5}\"?|[\\[\\]{}a-z,0-9\\\\]{0,6})){0,6}"
    ) {
        let _ = parse_markers(&text, 3);
    }

    #[test]
    fn type_parser_never_panics(text in "(\\[\\]|map\\[[a-z]{0,7}\\]?| |[A-Za-z]{0,7}){0,20}") {
        if let Ok(t) = parse_type(&text, 0) {
            prop_assert!(t.range.end <= text.len());
        }
    }

    #[test]
    fn compile_never_panics_on_any_field(field in "\\PC{0,60}", types in "\\PC{0,40}") {
        let yaml = format!(
            "spec:\n  f: {}\n  g: \"[]T | default=[1]\"\ntypes:\n  T: {}\n",
            serde_json::to_string(&field).unwrap(),
            serde_json::to_string(&types).unwrap()
        );
        let parsed = parse(&yaml);
        let root = parsed.documents[0].root.clone().unwrap();
        let out = compile(&yaml, root.get("spec"), root.get("types"));
        for d in &out.diagnostics {
            prop_assert!(d.range.end <= yaml.len() && d.range.start <= d.range.end);
            prop_assert!(yaml.is_char_boundary(d.range.start) && yaml.is_char_boundary(d.range.end));
        }
    }
}
