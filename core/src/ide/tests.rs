//! Every query at every offset of awkward texts: answers may be empty, but never a panic.

use super::Analysis;
use crate::text::TextRange;

const TEXTS: &[&str] = &[
    "",
    "kind: ResourceGraphDefinition\n",
    "kind: ResourceGraphDefinition\nspec:\n  schema:\n    spec:\n      é😀: \"string | description=\\\"ü\\\" \n",
    "kind: ResourceGraphDefinition\nspec:\n  resources:\n    - id: a\n      template:\n        x: \"${a.b[0].?c + 'é😀}' + \\\"${\" \n        y: |\n          ${schema.spec.\n",
    "kind: ResourceGraphDefinition\nspec: {schema: {spec: {a: [}}\n---\n- ${\n- &x {id: *x}\n",
    "kind: ResourceGraphDefinition\r\nspec:\r\n  resources:\r\n  - id: b\r\n    readyWhen: [\"${b.x}\"]\r\n",
    super::navigation::tests::RGD,
];

#[test]
fn every_query_at_every_offset() {
    for text in TEXTS {
        let analysis = Analysis::new(*text);
        analysis.diagnostics();
        analysis.document_symbols();
        analysis.graphs();
        analysis.highlights(None);
        analysis.lenses();
        let mut offsets: Vec<usize> = (0..=text.len()).collect();
        offsets.push(text.len() + 10);
        for offset in offsets {
            analysis.completions(offset);
            analysis.hover(offset);
            analysis.goto_definition(offset);
            analysis.find_references(offset);
            let _ = analysis.prepare_rename(offset);
            let _ = analysis.rename(offset, "renamed");
            analysis.fixes(TextRange::new(offset, offset + 3));
        }
    }
}
